"""Codes of the nomenclatures shipped last (TRE_R202, TRE_R228, TRE_R252, TRE_R340) are checked on write.

Each attribute is one registry entry that names its nomenclature; the write path (service, GraphQL
mutation) refuses a code outside it with ``INVALID_CODE`` and a French message naming the attribute
and the code, and writes nothing (no row, no audit, no event). A code of the nomenclature is stored.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from sqlmodel import col, select

from ror_graph.models import EquipementLimite, Etablissement, Horaire, Nomenclature, Tarif, Unite, registry
from ror_graph.models.registry import Entity
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.core.errors import InvalidCodeError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate, TarifInput
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.reference.files import nomenclature_files
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.lieux import EquipementInput, EquipementLimiteInput, LieuInput
from ror_graph.services.unite.write import update_unite
from ror_graph.settings import Settings
from ror_graph.state import AppState
from tests.write.conftest import EG_A, T0, fingerprint, version_of

SLOT = {"jour": 1, "heure_debut": time(9), "heure_fin": time(17)}


def _tarif(unite_prix: str) -> dict[str, Any]:
    return {"tarifs": [TarifInput(type_code="02", montant="68.50", unite_prix=unite_prix)]}


def _horaire(type_code: str) -> dict[str, Any]:
    return {"horaires": [{**SLOT, "type_code": type_code}]}


def _limite(code: str) -> dict[str, Any]:
    limit = EquipementLimiteInput(caracteristique_code=code, valeur=250, unite="kg")
    return {"lieux": [LieuInput(commune_code="75056", equipements=[
        EquipementInput(type_code="003", nombre_en_service=1, limites=[limit])])]}


async def _stored_accessibilite(session, _world) -> list[str | None]:
    return list(await session.exec(select(Etablissement.accessibilite_code).where(Etablissement.finess == EG_A)))


async def _stored_unite_prix(session, _world) -> list[str | None]:
    return list(await session.exec(select(Tarif.unite_prix)))


async def _stored_horaire_types(session, _world) -> list[str]:
    return list(await session.exec(select(Horaire.type_code)))


async def _stored_limites(session, _world) -> list[str]:
    return list(await session.exec(select(EquipementLimite.caracteristique_code)))


# (entity, registry key, the write's target, changes with a code, field of the error, what is stored)
CASES = {
    "accessibilite": (Entity.eg, "accessibilite", "eg", lambda c: {"accessibilite_code": c}, "accessibilite_code",
                      _stored_accessibilite, "3", "9"),
    "unite_prix": (Entity.eg, "tarifs_unite_prix", "eg", _tarif, "tarifs.unitePrix", _stored_unite_prix, "2", "J"),
    "type_horaire": (Entity.unite, "horaires_type", "unite", _horaire, "horaires.type", _stored_horaire_types,
                     "07", "12"),
    "caracteristique": (Entity.lieu, "equipements_limites", "unite", _limite,
                        "lieux.TRE_R340-TypeCaracteristiqueEquipement", _stored_limites, "001", "01"),
}


async def _write(session, world, target: str, changes: dict[str, Any]) -> None:
    principal = world.principal("referent_a")
    if target == "eg":
        version = await version_of(session, Etablissement, finess=EG_A)
        await update_etablissement(session, principal, finess=EG_A, version=version,
                                   data=parse(EtablissementUpdate, changes), now=T0)
    else:
        version = await version_of(session, Unite, identifiant=world.unite_a)
        await update_unite(session, principal, identifiant=world.unite_a, version=version,
                           data=parse(UniteUpdate, changes), now=T0)


def test_every_coded_registry_entry_names_a_shipped_nomenclature():
    # given the registry, then every nomenclature an attribute is bound to ships with the reference data,
    # so the write path can check its codes (a system without its file would refuse every code)
    shipped = {path.stem for path in nomenclature_files()}
    assert {a.key: a.system for a in registry.ATTRIBUTES if a.system and a.system not in shipped} == {}
    assert {a.system for a in registry.ATTRIBUTES} >= {"TRE_R202-AccessibiliteLieu", "TRE_R228-UnitePrix",
                                                       "TRE_R252-TypeHoraire", "TRE_R340-TypeCaracteristiqueEquipement"}


@pytest.mark.parametrize("name", CASES)
async def test_the_registry_entry_names_a_shipped_nomenclature(session, name):
    # given the registry entry, then its nomenclature is loaded with the reference data and holds its known code
    entity, key, *_, known, unknown = CASES[name]
    system = registry.attribute(entity, key).code_system
    codes = set(await session.exec(select(Nomenclature.code).where(col(Nomenclature.system) == system)))
    assert known in codes and unknown not in codes


@pytest.mark.parametrize("name", CASES)
async def test_an_unknown_code_is_refused_in_french_and_writes_nothing(session, world, name):
    entity, key, target, changes, field, _stored, _known, unknown = CASES[name]
    before = await fingerprint(session)
    # when a référent writes a code that is not in the attribute's nomenclature
    with pytest.raises(InvalidCodeError) as error:
        await _write(session, world, target, changes(unknown))
    # then the error is typed, names the field, the attribute (French label) and the code
    attribute = registry.attribute(entity, key)
    assert (error.value.code, error.value.field) == ("INVALID_CODE", field)
    assert error.value.message == (f"Le code « {unknown} » n'existe pas pour l'attribut {attribute.label} "
                                   f"(nomenclature {attribute.code_system}).")
    # and nothing was written: no row, no audit, no event
    assert await fingerprint(session) == before


@pytest.mark.parametrize("name", CASES)
async def test_a_known_code_is_stored(session, world, name):
    *_, target, changes, _field, stored, known, _unknown = CASES[name]
    await _write(session, world, target, changes(known))
    session.expire_all()
    assert await stored(session, world) == [known]


async def test_a_deprecated_code_is_refused_with_a_french_reason(session, world):
    # given a nomenclature code marked deprecated (readable, never writable)
    row = (await session.exec(select(Nomenclature).where(
        Nomenclature.system == "TRE_R202-AccessibiliteLieu", Nomenclature.code == "6"))).one()
    row.status, row.writable = "deprecated", False
    session.add(row)
    await session.commit()
    before = await fingerprint(session)
    with pytest.raises(InvalidCodeError) as error:
        await _write(session, world, "eg", {"accessibilite_code": "6"})
    assert error.value.message == ("Le code « 6 » de l'attribut Accessibilité est obsolète "
                                   "(nomenclature TRE_R202-AccessibiliteLieu) ; il ne peut pas être saisi.")
    assert await fingerprint(session) == before


MUTATION = """mutation($f: String!, $v: Int!, $i: EtablissementInput!) {
  r: modifierEtablissement(finess: $f, version: $v, input: $i) {
    __typename ... on Error { code field message } ... on EtablissementPayload { etablissement { version } } } }"""
UNITE_MUTATION = """mutation($u: String!, $v: Int!, $i: ModifierUniteInput!) {
  r: modifierUnite(identifiant: $u, version: $v, input: $i) {
    __typename ... on Error { code field message } ... on UnitePayload { unite { version } } } }"""


async def _gql(engine, database_url, session, world, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    from ror_graph.db import session_factory

    state = AppState(settings=Settings(database_url=database_url, meili_managed=False, debug=False), engine=engine,
                     sessions=session_factory(engine))
    context = await make_context(state, session, world.callers["referent_a"])
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data["r"]


async def test_graphql_mutations_answer_the_code_and_write_nothing(session, world, engine, database_url):
    before = await fingerprint(session)
    version = await version_of(session, Etablissement, finess=EG_A)
    # when the API is asked to set an accessibility outside TRE_R202
    answer = await _gql(engine, database_url, session, world, MUTATION,
                        {"f": EG_A, "v": version, "i": {"accessibiliteCode": "9"}})
    # then it answers the typed error, in French, and nothing changed
    assert (answer["code"], answer["field"]) == ("INVALID_CODE", "accessibilite_code")
    assert answer["message"] == ("Le code « 9 » n'existe pas pour l'attribut Accessibilité "
                                 "(nomenclature TRE_R202-AccessibiliteLieu).")
    # and an opening slot of a type outside TRE_R252 is refused the same way
    unite_version = await version_of(session, Unite, identifiant=world.unite_a)
    slot = {"jour": 1, "heureDebut": "09:00:00", "heureFin": "17:00:00", "typeCode": "99"}
    answer = await _gql(engine, database_url, session, world, UNITE_MUTATION,
                        {"u": world.unite_a, "v": unite_version, "i": {"horaires": [slot]}})
    assert answer["code"] == "INVALID_CODE"
    assert "« 99 » n'existe pas pour l'attribut Type de plage horaire" in answer["message"]
    assert await fingerprint(session) == before
    # when the known code is sent, then it is stored and the version moves on
    answer = await _gql(engine, database_url, session, world, MUTATION,
                        {"f": EG_A, "v": version, "i": {"accessibiliteCode": "1"}})
    assert answer == {"__typename": "EtablissementPayload", "etablissement": {"version": version + 1}}
