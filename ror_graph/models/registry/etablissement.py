"""Attributes of the entité juridique and of the établissement (FHIR Organization), FINESS or declared.

FHIR paths follow ``docs/ror-model.md`` §2.1-2.2. ``niveauRecoursORSAN`` and ``zonePoser`` are
visible to profile 1 only (regulation, level 3): they never get a search, filter or export field.
"""

from __future__ import annotations

from ror_graph.models.registry import systems as s
from ror_graph.models.registry.spec import Attribute, Entity, Owner, Storage

ORG = "Organization"
REGULATION = 3


def _ej(key: str, label: str, fhir: str, **kw) -> Attribute:
    return Attribute(Entity.ej, key, label, f"{ORG}.{fhir}", owner=kw.pop("owner", Owner.finess), **kw)


def _eg(key: str, label: str, fhir: str, **kw) -> Attribute:
    return Attribute(Entity.eg, key, label, f"{ORG}.{fhir}", owner=kw.pop("owner", Owner.finess), **kw)


EJ_ATTRIBUTES: tuple[Attribute, ...] = (
    _ej("finess", "FINESS", "identifier[finess]"),
    _ej("raison_sociale", "Raison sociale", "name"),
    _ej("raison_sociale_longue", "Raison sociale longue", "name"),
    _ej("statut_juridique_code", "Statut juridique", "type[statutJuridiqueINSEE]"),
    _ej("siren", "SIREN", "identifier[sirene]"),
    _ej("telephone", "Téléphone", "telecom"),
    _ej("date_creation", "Date de création", "extension[ror-organization-creation-date]"),
    _ej("date_fermeture", "Date de fermeture", "extension[organization-period].end"),
    _ej("type_fermeture", "Type de fermeture", "extension[ror-organization-closing-type]",
        column="type_fermeture_code", system=s.TYPE_FERMETURE),
    _ej("placeholder", "En attente FINESS", "meta", owner=Owner.technical),
    _ej("finess_updated_at", "Dernier import FINESS", "meta.lastUpdated", owner=Owner.technical),
)

EG_ATTRIBUTES: tuple[Attribute, ...] = (
    _eg("entite_juridique_id", "Entité juridique (id)", "partOf", owner=Owner.technical),
    _eg("finess", "FINESS", "identifier[finess]"),
    _eg("raison_sociale", "Raison sociale", "name"),
    _eg("raison_sociale_longue", "Raison sociale longue", "name"),
    _eg("complement_denomination", "Complément de dénomination", "name.extension[ror-organization-additional-name]"),
    _eg("nom_operationnel", "Nom opérationnel", "alias", owner=Owner.declared),
    _eg("categorie", "Catégorie", "type[categorieEtablissement]", column="categorie_code", system=s.CATEGORIE_EG,
        value_set=s.CATEGORIE_EG, graphql=True, graphql_after="nom_operationnel",
        description="Catégorie d'établissement (JDV_J55).", facet="categorie", filter_field="categories",
        document="categorie", search_rank=60, export="categorie"),
    _eg("siret", "SIRET", "identifier[numSIRET]"),
    _eg("telephone", "Téléphone", "telecom"),
    _eg("telecopie", "Télécopie", "telecom"),
    _eg("courriel", "Courriel", "telecom"),
    _eg("latitude", "Latitude", "address.extension[geolocation]"),
    _eg("longitude", "Longitude", "address.extension[geolocation]"),
    _eg("departement_code", "Département", "address"),
    _eg("region_code", "Région", "meta.tag[codeRegion]"),
    _eg("date_ouverture", "Date d'ouverture", "extension[organization-period].start"),
    _eg("date_fermeture", "Date de fermeture", "extension[organization-period].end"),
    _eg("type_fermeture", "Type de fermeture", "extension[ror-organization-closing-type]",
        column="type_fermeture_code", system=s.TYPE_FERMETURE, graphql=True, graphql_after="date_fermeture",
        description="Kind of closure (TRE_R286)."),
    _eg("ferme", "Fermé", "extension[organization-period]"),
    _eg("espic_code", "ESPIC", "type[sphParticipation]"),
    _eg("hebergement_famille", "Hébergement des familles", "extension[ror-organization-accomodation-family]",
        owner=Owner.declared),
    _eg("nb_place_aide_sociale_permanent", "Places aide sociale (permanent)",
        "extension[ror-organization-nb-permanent-social-help-place]", owner=Owner.declared),
    _eg("nb_place_aide_sociale_temporaire", "Places aide sociale (temporaire)",
        "extension[ror-organization-nb-temporary-social-help-place]", owner=Owner.declared),
    _eg("accessibilite", "Accessibilité", "extension[ror-organization-accessibility-location]",
        column="accessibilite_code", system=s.ACCESSIBILITE, value_set="JDV_J50-AccessibiliteLieu-ROR",
        owner=Owner.declared, graphql=True, graphql_after="accessibilite_code",
        description="Accessibility of the premises to disabled people (TRE_R202).", facet="accessibilite",
        filter_field="accessibilites", document="accessibilite", export="accessibilite"),
    _eg("niveau_recours_orsan", "Niveau de recours ORSAN", "extension[ror-organization-level-recourse-orsan]",
        column="niveau_recours_orsan_code", system=s.RECOURS_ORSAN, value_set="JDV_J204-NiveauRecoursORSAN-ROR",
        owner=Owner.declared, confidentiality=REGULATION, graphql=True,
        description="Niveau de recours ORSAN after SAMU regulation (TRE_R284); null below the regulation profile."),
    _eg("zone_poser", "Zone de poser hélicoptère", "extension[ror-organization-drop-zone]", owner=Owner.declared,
        confidentiality=REGULATION, graphql=True, value_type=bool,
        description="A helicopter landing zone is on site; null below the regulation profile."),
    _eg("commentaire", "Commentaire", "extension[ror-organization-comment]", owner=Owner.declared),
    _eg("aides_financieres", "Aides financières", "extension[ror-organization-financial-help-type]",
        storage=Storage.etablissement_code, column="aide_financiere", system=s.AIDE_FINANCIERE,
        value_set="JDV_J31-AideFinanciere-ROR", multiple=True, owner=Owner.declared, graphql=True,
        graphql_after="entite_juridique", description="Aides financières accepted (TRE_R241)."),
    # Codes inside the EG's tarifs (``Tarif`` rows): declared here so the write path checks them.
    _eg("tarifs_unite_prix", "Unité de prix d'un tarif", "extension[ror-organization-price].priceUnit",
        storage=Storage.child, column="unite_prix", system=s.UNITE_PRIX, value_set="JDV_J205-UnitePrix-ROR",
        multiple=True, owner=Owner.declared),
)
