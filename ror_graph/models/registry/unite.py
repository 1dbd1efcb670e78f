"""Attributes of the unité opérationnelle (FHIR HealthcareService), in the order of the ``Unite`` type.

FHIR paths and value sets follow ``docs/ror-model.md`` §2.4; the completeness weights are the
mandatory items of the national guides (every other item of ``suivi.completeness`` weighs 1 too).
"""

from __future__ import annotations

from ror_graph.models.registry import systems as s
from ror_graph.models.registry.spec import Attribute, Entity, Owner, Storage

HS = "HealthcareService"


def _u(key: str, label: str, fhir: str, **kw) -> Attribute:
    return Attribute(Entity.unite, key, label, f"{HS}.{fhir}", **kw)


def _codes(key: str, attribute: str, label: str, fhir: str, **kw) -> Attribute:
    """A multi-valued coded attribute stored as ``UniteCode`` rows, exposed as a list of concepts."""
    return _u(key, label, fhir, storage=Storage.unite_code, column=attribute, multiple=True, graphql=True, **kw)


UNITE_ATTRIBUTES: tuple[Attribute, ...] = (
    _u("identifiant", "Identifiant national", "identifier", owner=Owner.technical),
    _u("etablissement_id", "Établissement", "providedBy", owner=Owner.technical),
    _u("nom", "Nom de l'offre", "name", required=True),
    _u("type_offre", "Type d'offre", "category", column="type_offre_code", system=s.TYPE_OFFRE,
       value_set="JDV_J238-TypeOffre-ROR", graphql=True, graphql_after="nom", description="Type of offer (JDV_J238).",
       facet="typeOffre", filter_field="types_offre", document="typeOffre", search_rank=50, export="type_offre",
       completeness=1.0),
    _u("champ_activite", "Champ d'activité", "type", column="champ_activite_code", system=s.CHAMP,
       value_set="JDV_J20-ChampActivite-ROR", required=True, graphql=True, description="Champ d'activité (TRE_R227).",
       facet="champActivite", filter_field="champs_activite", document="champActivite", search_rank=140,
       export="champ_activite", completeness=1.0),
    _u("mode_prise_en_charge", "Mode de prise en charge", "characteristic[careMode]",
       column="mode_prise_en_charge_code", system=s.MODE_PEC, value_set="JDV_J19-ModePriseEnCharge-ROR",
       required=True, graphql=True, description="Mode de prise en charge (TRE_R213).", facet="modePriseEnCharge",
       filter_field="modes_prise_en_charge", document="modePriseEnCharge", search_rank=130,
       export="mode_prise_en_charge", completeness=1.0),
    _u("temporalite", "Temporalité", "characteristic[receptionType]", column="temporalite_code",
       system=s.TEMPORALITE, value_set="JDV_J30-TemporaliteAccueil-ROR", graphql=True,
       description="Temporalité d'accueil (TRE_R240).", facet="temporalite", filter_field="temporalites",
       document="temporalite", search_rank=160),
    _u("ouverture_annuelle", "Ouverture annuelle", "characteristic[annualOpening]",
       column="ouverture_annuelle_code", system=s.OUVERTURE_ANNUELLE, value_set="JDV_J28-OuvertureAnnuelle-ROR",
       graphql=True, description="Ouverture annuelle: how many days a year the offer runs (TRE_R238).",
       facet="ouvertureAnnuelle", filter_field="ouvertures_annuelles", document="ouvertureAnnuelle",
       search_rank=165, export="ouverture_annuelle"),
    _codes("activites", "activite", "Activités opérationnelles", "specialty[operationalActivity]",
           system=s.ACTIVITE, value_set="JDV_J17-ActiviteOperationnelle-ROR", required=True,
           description="Activités opérationnelles (TRE_R211).", facet="activite", filter_field="activites",
           document="activites", search_rank=90, export="activites", completeness=1.0),
    _codes("actes_specifiques", "acte_specifique", "Actes spécifiques", "characteristic[specificAct]",
           system=s.ACTE, value_set="JDV_J16-ActeSpecifique-ROR", description="Actes spécifiques (TRE_R210).",
           facet="acte", filter_field="actes", document="actes", search_rank=120),
    _codes("actes_hors_cabinet", "acte_hors_cabinet", "Actes réalisés hors cabinet", "characteristic[outsideOfficeAct]",
           system=s.ACTE, value_set="JDV_J16-ActeSpecifique-ROR",
           description="Actes spécifiques performed outside the practice (TRE_R210).",
           facet="acte", filter_field="actes", document="actes", search_rank=120),
    _codes("specialisations", "specialisation", "Spécialisations", "characteristic[takingCareSpeciality]",
           system=s.SPECIALISATION, value_set="JDV_J35-SpecialisationDePriseEnCharge-ROR",
           description="Spécialisations de prise en charge (TRE_R245).", facet="specialisation",
           filter_field="specialisations", document="specialisations", search_rank=100),
    _codes("competences", "competence", "Compétences spécifiques", "characteristic[specificCompetence]",
           system=s.COMPETENCE, value_set="JDV_J33-CompetenceSpecifique-ROR",
           description="Compétences spécifiques (TRE_R243)."),
    _codes("professions", "profession", "Professions ressources", "characteristic[ressourceProfession]",
           system=s.PROFESSION, value_set="JDV_J186-ProfessionRessource-ROR",
           description="Professions ressources (TRE_R356)."),
    _codes("expertises", "expertise", "Niveaux d'expertise", "characteristic[expertiseLevel]",
           system=s.EXPERTISE, value_set="JDV_J227-NiveauExpertise-ROR", description="Niveaux d'expertise (TRE_R344)."),
    _codes("publics", "public", "Publics pris en charge",
           "extension[ror-healthcareservice-patient-type].supportedPatientInfo", system=s.PUBLIC,
           value_set="JDV_J29-PublicPrisEnCharge-ROR", description="Publics pris en charge (TRE_R239).",
           facet="public", filter_field="publics", document="publics", search_rank=110, export="publics",
           completeness=1.0),
    _codes("modalites_accueil", "modalite_accueil", "Modalités d'accueil", "characteristic[receptionModality]",
           system=s.MODALITE_ACCUEIL, value_set="JDV_J226-ModaliteAccueil-ROR",
           description="Modalités d'accueil (TRE_R338).", facet="modaliteAccueil", filter_field="modalites_accueil",
           document="modalitesAccueil", search_rank=150),
    _codes("modes_gestion", "mode_gestion", "Modes de gestion", "characteristic[managementType]",
           system=s.MODE_GESTION, value_set="JDV_J26-ModeGestion-ROR", description="Modes de gestion (TRE_R236)."),
    _u("age_min", "Âge min.", "extension[ror-healthcareservice-patient-type].ageRange.low", required=True),
    _u("age_max", "Âge max.", "extension[ror-healthcareservice-patient-type].ageRange.high", required=True),
    _u("unite_sensible", "Unité sensible", "extension[ror-healthcareservice-sensitive-unit]", required=True),
    _u("soins_sans_consentement", "Soins sans consentement",
       "extension[ror-healthcareservice-no-consent-habilitation]"),
    _u("secteur_psychiatrique", "Secteur psychiatrique", "extension[ror-healthcareservice-psychiatric-sector]"),
    _u("commentaire", "Commentaire", "comment"),
    _u("date_fermeture", "Date de fermeture", "notAvailable[closingReopeningDate].during.start"),
    _u("type_fermeture", "Type de fermeture", "characteristic[temporalityStopService]", column="type_fermeture_code",
       system=s.TYPE_FERMETURE, value_set="JDV_J185-typeFermeture-ROR", graphql=True, graphql_after="date_fermeture",
       description="Kind of closure (TRE_R286)."),
    _u("date_reouverture_prevue", "Réouverture prévue", "notAvailable[closingReopeningDate].during.end"),
    # The kind of each opening slot (``Horaire`` rows), checked against its nomenclature on write.
    _u("horaires_type", "Type de plage horaire", "availableTime.extension[ror-available-time-type-of-time]",
       storage=Storage.child, column="type_code", system=s.TYPE_HORAIRE, value_set="JDV_J41-TypePlageHoraire-ROR",
       multiple=True),
    _u("ferme", "Fermée", "notAvailable", owner=Owner.technical),
    _u("demo", "Démonstration", "meta.tag", owner=Owner.technical),
)
