"""Attributes of the lieu de réalisation (FHIR Location), ``docs/ror-model.md`` §2.6 and §2.8."""

from __future__ import annotations

from ror_graph.models.registry import systems as s
from ror_graph.models.registry.spec import Attribute, Entity, Storage


def _l(key: str, label: str, fhir: str, **kw) -> Attribute:
    return Attribute(Entity.lieu, key, label, f"Location.{fhir}", **kw)


LIEU_ATTRIBUTES: tuple[Attribute, ...] = (
    _l("nom", "Nom", "name"),
    _l("description", "Description", "description"),
    _l("fonction", "Fonction", "type", column="fonction_code", system=s.FONCTION_LIEU,
       value_set="JDV_J198-FonctionLieu-ROR"),
    _l("statut", "Statut", "extension[ror-location-status]", column="statut_code", system=s.STATUT_LIEU,
       value_set="JDV_J224-StatutLieu-ROR"),
    _l("latitude", "Latitude", "position.latitude"),
    _l("longitude", "Longitude", "position.longitude"),
    _l("id_externe_synchro", "Identifiant externe (synchro)", "identifier[idExterneSynchro]"),
    # Equipments live on the lieux; an offer's search document carries those of its lieux.
    _l("equipements", "Équipements spécifiques", "extension[ror-location-equipment].equipmentType",
       storage=Storage.child, column="type_code", system=s.EQUIPEMENT, value_set="JDV_J18-EquipementSpecifique-ROR",
       multiple=True, description="Équipements spécifiques (TRE_R212).", facet="equipement",
       filter_field="equipements", document="equipements", search_rank=170),
    # What an equipment's limit measures (``EquipementLimite`` rows: maximum weight, diameter…).
    _l("equipements_limites", "Caractéristique d'un équipement", "extension[ror-location-equipment-limit].type",
       storage=Storage.child, column="caracteristique_code", system=s.CARACTERISTIQUE_EQUIPEMENT,
       value_set="JDV_J228-TypeCaracteristiqueEquipement-ROR", multiple=True),
)
