"""Which national nomenclature (NOS) each coded attribute is bound to.

Codes are strings with significant leading zeros, always stored with their system. The systems are
the NOS file names (``TRE_R211-ActiviteOperationnelle``): a TRE is a full code system, a JDV the
subset the ROR allows for an attribute. Write validation uses these bindings.
"""

from __future__ import annotations

from enum import StrEnum

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


class UniteAttribute(StrEnum):
    """Multi-valued coded attributes of an offer (one ``UniteCode`` row per value)."""

    activite = "activite"
    acte_specifique = "acte_specifique"
    acte_hors_cabinet = "acte_hors_cabinet"
    specialisation = "specialisation"
    competence = "competence"
    profession = "profession"
    expertise = "expertise"
    public = "public"
    modalite_accueil = "modalite_accueil"
    mode_gestion = "mode_gestion"


UNITE_ATTRIBUTE_SYSTEMS: dict[UniteAttribute, str] = {
    UniteAttribute.activite: ACTIVITE,
    UniteAttribute.acte_specifique: ACTE,
    UniteAttribute.acte_hors_cabinet: ACTE,
    UniteAttribute.specialisation: SPECIALISATION,
    UniteAttribute.competence: COMPETENCE,
    UniteAttribute.profession: PROFESSION,
    UniteAttribute.expertise: EXPERTISE,
    UniteAttribute.public: PUBLIC,
    UniteAttribute.modalite_accueil: MODALITE_ACCUEIL,
    UniteAttribute.mode_gestion: MODE_GESTION,
}

# Single-valued coded columns: (table, column) -> system. Used by validation and by the API to label codes.
CODED_COLUMNS: dict[tuple[str, str], str] = {
    ("unite", "type_offre_code"): TYPE_OFFRE,
    ("unite", "champ_activite_code"): CHAMP,
    ("unite", "mode_prise_en_charge_code"): MODE_PEC,
    ("unite", "temporalite_code"): TEMPORALITE,
    ("unite", "type_fermeture_code"): TYPE_FERMETURE,
    ("etablissement", "categorie_code"): CATEGORIE_EG,
    ("etablissement", "type_fermeture_code"): TYPE_FERMETURE,
    ("entitejuridique", "type_fermeture_code"): TYPE_FERMETURE,
    ("lieu", "fonction_code"): FONCTION_LIEU,
    ("lieu", "statut_code"): STATUT_LIEU,
    ("capacite", "nature_code"): NATURE_CAPACITE,
    ("capacite", "statut_code"): STATUT_CAPACITE,
    ("capacite", "temporalite_code"): TEMPORALITE_CAPACITE,
    ("capacite", "genre_code"): GENRE_CAPACITE,
    ("capacite", "type_fermeture_code"): FERMETURE_CAPACITE,
    ("capacite", "type_lit_code"): LIT_SUPPLEMENTAIRE,
    ("capacite", "source_code"): SOURCE_CAPACITE,
    ("capacite", "affectation_code"): AFFECTATION,
    ("equipement", "type_code"): EQUIPEMENT,
    ("habitation", "type_code"): HABITATION,
    ("tarif", "type_code"): TYPE_TARIF,
    ("tarif", "type_habitation_code"): HABITATION,
    ("tarif", "temporalite_code"): TEMPORALITE,
    ("contact", "nature_code"): NATURE_CONTACT,
    ("contact", "confidentialite"): CONFIDENTIALITE,
    ("telecom", "canal_code"): CANAL,
    ("telecom", "confidentialite"): CONFIDENTIALITE,
}


def fhir_system_url(system: str) -> str:
    """Canonical FHIR URL of a NOS system (``TRE_R211-X`` → ``.../TRE_R211-X/FHIR/TRE-R211-X``)."""
    return NOS_URL.format(system=system, fhir=system.replace("_", "-", 1))
