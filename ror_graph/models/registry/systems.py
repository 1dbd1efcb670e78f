"""Names of the national nomenclatures (NOS) the ROR attributes are bound to.

Codes are strings with significant leading zeros, always stored with their system. The systems are
the NOS file names (``TRE_R211-ActiviteOperationnelle``): a TRE is a full code system, a JDV the
subset the ROR allows for an attribute. Kept apart from the entries so ``models.coded`` can
re-export them without an import cycle.
"""

from __future__ import annotations

NOS_URL = "https://mos.esante.gouv.fr/NOS/{system}/FHIR/{fhir}"

ACTIVITE = "TRE_R211-ActiviteOperationnelle"
ACTE = "TRE_R210-ActeSpecifique"
EQUIPEMENT = "TRE_R212-Equipement"
MODE_PEC = "TRE_R213-ModePriseEnCharge"
CHAMP = "TRE_R227-ChampActivite"
MODE_GESTION = "TRE_R236-ModeGestion"
PUBLIC = "TRE_R239-PublicPrisEnCharge"
TEMPORALITE = "TRE_R240-TemporaliteAccueil"
AIDE_FINANCIERE = "TRE_R241-AideFinanciere"
HABITATION = "TRE_R242-TypeHabitation"
COMPETENCE = "TRE_R243-CompetenceSpecifique"
SPECIALISATION = "TRE_R245-SpecialisationDePriseEnCharge"
TYPE_TARIF = "TRE_R246-TypeTarif"
CONFIDENTIALITE = "TRE_R283-NiveauConfidentialite"
TYPE_FERMETURE = "TRE_R286-TypeFermeture"
NATURE_CAPACITE = "TRE_R329-NatureCapacite"
STATUT_CAPACITE = "TRE_R330-TypeStatutCapacite"
TEMPORALITE_CAPACITE = "TRE_R331-TemporaliteCapacite"
GENRE_CAPACITE = "TRE_R332-GenreCapacite"
FERMETURE_CAPACITE = "TRE_R333-TypeFermetureCapacite"
LIT_SUPPLEMENTAIRE = "TRE_R334-TypeLitSupplementaire"
SOURCE_CAPACITE = "TRE_R335-TypeSourceCapacite"
AFFECTATION = "TRE_R337-AffectationTemporaire"
MODALITE_ACCUEIL = "TRE_R338-ModaliteAccueil"
FONCTION_LIEU = "TRE_R343-FonctionLieu"
EXPERTISE = "TRE_R344-NiveauExpertise"
PROFESSION = "TRE_R356-ProfessionRessource"
STATUT_LIEU = "TRE_R203-StatutLieu"
DIVISION_TERRITORIALE = "TRE_R201-TypeDivisionTerritoriale"
CATEGORIE_EG = "JDV_J55-CategorieEG-ROR"
TYPE_OFFRE = "JDV_J238-TypeOffre-ROR"
NATURE_CONTACT = "JDV_J221-NatureContact-ROR"
CANAL = "JDV_J225-CanalCommunication-ROR"
TYPE_OI = "JDV_J203-TypeOrganisationInterne-ROR"

OUVERTURE_ANNUELLE = "TRE_R238-OuvertureAnnuelle"
ACCESSIBILITE = "TRE_R202-AccessibiliteLieu"
RECOURS_ORSAN = "TRE_R284-NiveauRecoursORSAN"
UNITE_PRIX = "TRE_R228-UnitePrix"
TYPE_HORAIRE = "TRE_R252-TypeHoraire"
CARACTERISTIQUE_EQUIPEMENT = "TRE_R340-TypeCaracteristiqueEquipement"

# Code system (TRE) behind the codes of a value set (JDV) the ROR stores codes of: FHIR codings name
# the code system, never the value set. JDV_J55 mixes TRE_R66 categories with four TRE_R02 codes (SAxx).
VALUE_SET_SOURCES = {
    CATEGORIE_EG: "TRE_R66-CategorieEtablissement",
    TYPE_OFFRE: "TRE_R244-CategorieOrganisation",
    NATURE_CONTACT: "TRE_R287-NatureContact",
    CANAL: "TRE_R200-CanalCommunication",
    TYPE_OI: "TRE_R207-TypeOrganisationInterne",
}
SECTEUR_ACTIVITE = "TRE_R02-SecteurActivite"
