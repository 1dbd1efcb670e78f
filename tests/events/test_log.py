"""Every write appends one event per changed entity, in its own transaction, with op, fields and version."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from ror_graph.models import Event
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, ConflictError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.events.log import infer_op
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate
from ror_graph.services.unite.write import create_unite, fermer_unite, update_unite
from tests.write.conftest import EG_A, T0

NEW_OFFER = {
    "nom": "SSIAD Paris Centre",
    "type_offre_code": "28",
    "champ_activite_code": "04",
    "mode_prise_en_charge_code": "49",
    "temporalite_code": "02",
    "age_min": 60,
    "age_max": 120,
    "unite_sensible": False,
    "activites": ["003"],
}


async def events(session) -> list[Event]:
    rows = list((await session.exec(select(Event).order_by(Event.seq))).all())
    await session.commit()
    return rows


def summary(rows: list[Event]) -> list[tuple]:
    return [(e.entity, e.entity_key, e.op, e.version) for e in rows]


async def test_creating_an_offer_appends_a_create_event_with_its_fields(session, world):
    # when a referent creates an offer
    unite = await create_unite(
        session,
        Principal.from_caller(world.callers["referent_a"]),
        finess=EG_A,
        data=parse(UniteCreate, NEW_OFFER),
        now=T0,
    )
    # then one "create" event for the offer (national id, version 1, its fields) and one "update" for its EG
    # (the description goes back to "modifié"), both in the write's change
    rows = await events(session)
    by_entity = {e.entity: e for e in rows}
    assert sorted(by_entity) == ["etablissement", "unite"] and len(rows) == 2
    offer = by_entity["unite"]
    assert (offer.entity_id, offer.entity_key, offer.op, offer.version) == (unite.id, unite.identifiant, "create", 1)
    assert {"identifiant", "nom", "age_min"} <= set(offer.fields)
    eg = by_entity["etablissement"]
    assert (eg.entity_key, eg.op, eg.fields) == (EG_A, "update", ["statut_description"])
    assert offer.change_id == eg.change_id and offer.at == T0


async def test_update_close_and_visibility_have_their_own_op(session, world):
    referent, directeur = world.callers["referent_a"], world.callers["directeur_a"]
    # given an offer at version 1
    offer = await create_unite(
        session, Principal.from_caller(referent), finess=EG_A, data=parse(UniteCreate, NEW_OFFER), now=T0
    )
    start = max(e.seq for e in await events(session))
    # when it is renamed, then made sensitive, then closed
    await update_unite(
        session,
        Principal.from_caller(referent),
        identifiant=offer.identifiant,
        version=1,
        data=parse(UniteUpdate, {"nom": "SSIAD"}),
    )
    await update_unite(
        session,
        Principal.from_caller(referent),
        identifiant=offer.identifiant,
        version=2,
        data=parse(UniteUpdate, {"unite_sensible": True}),
    )
    await fermer_unite(
        session,
        Principal.from_caller(directeur),
        identifiant=offer.identifiant,
        version=3,
        data=UniteClosure(date_fermeture=date(2026, 2, 1), type_fermeture_code="DEF", motif="fin d'activité"),
    )
    # then the offer's events say update (nom), visibility (unite_sensible), close, with the version reached
    offer_events = [e for e in await events(session) if e.entity == "unite" and e.seq > start]
    assert [(e.op, e.version) for e in offer_events] == [("update", 2), ("visibility", 3), ("close", 4)]
    assert offer_events[0].fields == ["nom"] and offer_events[1].fields == ["unite_sensible"]
    assert {"ferme", "date_fermeture", "type_fermeture_code"} <= set(offer_events[2].fields)
    # and seq follows commit order
    assert [e.seq for e in offer_events] == sorted(e.seq for e in offer_events)


async def test_an_etablissement_update_is_one_event_for_it_and_one_per_offer(session, world):
    await update_etablissement(
        session,
        Principal.from_caller(world.callers["referent_a"]),
        finess=EG_A,
        version=1,
        data=parse(EtablissementUpdate, {"nom_operationnel": "Résidence du Parc"}),
    )
    rows = await events(session)
    eg = [e for e in rows if e.entity == "etablissement"]
    assert [(e.entity_id, e.entity_key, e.op, e.version) for e in eg] == [(world.eg_a, EG_A, "update", 2)]
    assert "nom_operationnel" in eg[0].fields
    # the offer, whose search document carries the EG's name, is announced without changed fields
    assert [(e.entity_key, e.op, e.fields) for e in rows if e.entity == "unite"] == [(world.unite_a, "update", None)]


async def test_a_deletion_is_a_delete_event(session, world):
    # when a write declares an entity deleted (the row is gone: no key, no version to read)
    cs = ChangeSet(session, Actor(name="support@ars.test", role="support", source="admin"))
    cs.enqueue("lieu", 4242, "delete")
    await cs.flush()
    await session.commit()
    assert summary(await events(session)) == [("lieu", None, "delete", None)]


@pytest.mark.parametrize("attempt", ["bad_input", "stale_version"])
async def test_a_write_that_fails_leaves_no_event(session, world, attempt):
    referent = world.callers["referent_a"]
    # when a write is refused (bad input, or a version another writer already moved)
    with pytest.raises((BadInputError, ConflictError)):
        if attempt == "bad_input":
            await update_unite(
                session,
                Principal.from_caller(referent),
                identifiant=world.unite_a,
                version=1,
                data=parse(UniteUpdate, {"age_min": 130, "age_max": 20}),
            )
        else:
            await update_unite(
                session,
                Principal.from_caller(referent),
                identifiant=world.unite_a,
                version=7,
                data=parse(UniteUpdate, {"nom": "x"}),
            )
    # then the log is empty
    assert await events(session) == []


async def test_a_rolled_back_change_set_leaves_no_event(session, world):
    cs = ChangeSet(session, Actor(name="support@ars.test", role="support", source="admin"))
    cs.enqueue("unite", 1)
    await cs.flush()
    await session.rollback()
    assert await events(session) == []


def test_op_inference_keeps_the_strongest_change():
    assert infer_op({"created": (None, "EHPAD")}) == "create"
    assert infer_op({"identifiant": (None, "11/3"), "unite_sensible": ("false", "true")}) == "create"
    assert infer_op({"unite_sensible": ("false", "true"), "nom": ("a", "b")}) == "visibility"
    assert infer_op({"ferme": ("false", "true")}) == "close"
    assert infer_op({"ferme": ("true", "false")}) == "update"
    assert infer_op({"date_fermeture": (None, "2026-01-01")}) == "close"  # an EJ has no "ferme" flag
    assert infer_op({"nom": ("a", "b")}, delete_requested=True) == "delete"
