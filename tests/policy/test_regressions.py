"""Regressions of the confidentiality holes: history values, hidden-offer oracles, suivi, and its N+1.

Each test writes through the real services (audit rows as production writes them) and reads back
through the channel that leaked.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import select

from ror_graph.models import Unite
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import DomainError, NotFoundError
from ror_graph.services.core.write import parse
from ror_graph.services.directory.history import historique
from ror_graph.services.suivi.reads import suivi_etablissement
from ror_graph.services.unite.inputs import ContactInput, TelecomInput, UniteClosure, UniteUpdate
from ror_graph.services.unite.write import fermer_unite, update_unite
from ror_graph.settings import Settings
from ror_graph.state import AppState
from tests.write.conftest import EG_A, fingerprint

CONTACTS = [
    ContactInput(
        nom="Accueil",
        nature_code="06",
        confidentialite=1,
        telecoms=[
            TelecomInput(canal_code="2", valeur="0240000001", confidentialite=1),
            TelecomInput(canal_code="2", valeur="0240000002", confidentialite=2),
            TelecomInput(canal_code="1", valeur="0640000003", confidentialite=3),
        ],
    ),
    ContactInput(
        nom="Cadre de santé",
        nature_code="06",
        confidentialite=2,
        telecoms=[TelecomInput(canal_code="2", valeur="0240000022", confidentialite=1)],
    ),
    ContactInput(
        nom="Astreinte direction",
        nature_code="06",
        confidentialite=3,
        telecoms=[TelecomInput(canal_code="2", valeur="0240000033", confidentialite=1)],
    ),
]


async def _make_sensitive(session, identifiant: str) -> None:
    unite = (await session.exec(select(Unite).where(Unite.identifiant == identifiant))).one()
    unite.unite_sensible = True
    await session.commit()


def _values(page) -> str:
    return " ".join(f"{r.field} {r.old_value} {r.new_value}" for r in page.items)


async def _error_of(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


# --- historique: values filtered by level ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (
            "referent_a",
            ["Accueil", "0240000001", "0240000002", "Cadre de santé", "0240000022"],
            ["0640000003", "Astreinte direction", "0240000033"],
        ),
        ("support", ["Accueil", "0240000002", "0640000003", "Cadre de santé", "Astreinte direction", "0240000033"], []),
    ],
)
async def test_history_values_hold_only_the_contacts_and_telecoms_of_the_callers_level(
    session, world, role, visible, hidden
):
    # given the offer's contacts set to a list with level 1, 2 and 3 contacts and telecoms (one audit row)
    await update_unite(
        session,
        Principal.from_caller(world.callers["support"]),
        identifiant=world.unite_a,
        version=1,
        data=parse(UniteUpdate, {"contacts": CONTACTS}),
    )
    # when a level-2 référent of the structure, or support (level 3), reads the offer's history
    page = await historique(session, caller=world.callers[role], entity="unite", key=world.unite_a)
    # then the stored JSON comes without the contacts and telecoms above the reader's level
    text = _values(page)
    assert all(v in text for v in visible), text
    assert not any(v in text for v in hidden), text
    contacts = json.loads(next(r.new_value for r in page.items if r.field == "contacts"))
    assert all(c["confidentialite"] <= world.callers[role].level for c in contacts)


async def test_a_change_made_only_to_hidden_items_is_not_in_the_history_at_all(session, world):
    # given contacts written, then only the level-3 mobile number changed
    support = world.callers["support"]
    await update_unite(
        session,
        Principal.from_caller(support),
        identifiant=world.unite_a,
        version=1,
        data=parse(UniteUpdate, {"contacts": CONTACTS}),
    )
    telecoms = [*CONTACTS[0].telecoms[:2], TelecomInput(canal_code="1", valeur="0640000099", confidentialite=3)]
    changed = [ContactInput(**{**CONTACTS[0].__dict__, "telecoms": telecoms}), *CONTACTS[1:]]
    await update_unite(
        session,
        Principal.from_caller(support),
        identifiant=world.unite_a,
        version=2,
        data=parse(UniteUpdate, {"contacts": changed}),
    )
    # when the level-2 référent and support read the history
    referent = await historique(session, caller=world.callers["referent_a"], entity="unite", key=world.unite_a)
    full = await historique(session, caller=support, entity="unite", key=world.unite_a)
    # then support sees two contact changes, the référent only the first (the second is entirely hidden)
    assert [r.field for r in full.items].count("contacts") == 2
    assert [r.field for r in referent.items].count("contacts") == 1
    assert "0640000099" not in _values(referent)


async def test_a_history_page_thinned_by_hidden_entries_is_refilled(session, world):
    # given a visible rename, then three changes of a level-3 telecom only, then another rename
    support = world.callers["support"]
    version = await _changes(session, support, world.unite_a)
    # when the référent reads two entries per page
    referent = world.callers["referent_a"]
    first = await historique(session, caller=referent, entity="unite", key=world.unite_a, first=2)
    rest = await historique(
        session, caller=referent, entity="unite", key=world.unite_a, first=2, after=first.end_cursor
    )
    # then pages stay full while visible entries remain, and together they hold every visible entry
    assert len(first.items) == 2 and first.has_next
    seen = [r.field for r in first.items + rest.items]
    assert seen.count("nom") == 2 and seen.count("contacts") == 1 and version == 6


async def _changes(session, actor, identifiant: str) -> int:
    await update_unite(
        session,
        Principal.from_caller(actor),
        identifiant=identifiant,
        version=1,
        data=parse(UniteUpdate, {"nom": "Premier nom"}),
    )
    await update_unite(
        session,
        Principal.from_caller(actor),
        identifiant=identifiant,
        version=2,
        data=parse(UniteUpdate, {"contacts": CONTACTS}),
    )
    version = 3
    for n in range(2):
        telecoms = [*CONTACTS[0].telecoms[:2], TelecomInput(canal_code="1", valeur=f"064000010{n}", confidentialite=3)]
        contacts = [ContactInput(**{**CONTACTS[0].__dict__, "telecoms": telecoms}), *CONTACTS[1:]]
        await update_unite(
            session,
            Principal.from_caller(actor),
            identifiant=identifiant,
            version=version,
            data=parse(UniteUpdate, {"contacts": contacts}),
        )
        version += 1
    await update_unite(
        session,
        Principal.from_caller(actor),
        identifiant=identifiant,
        version=version,
        data=parse(UniteUpdate, {"nom": "Second nom"}),
    )
    return version + 1


# --- no existence oracle ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["referent_b", "api_client_public"])
async def test_the_history_of_a_hidden_offer_answers_like_a_missing_one(session, world, role):
    # given offer A made sensitive, and a caller that may not see it
    await _make_sensitive(session, world.unite_a)
    public_client = caller_for_profile("public", api_client_id=world.callers["api_client"].api_client_id)
    caller = world.callers.get(role, public_client)
    missing = world.unite_a.split("/")[0] + "/999999"
    # when it asks for the history of the hidden offer and of an offer that does not exist
    hidden = await _error_of(historique(session, caller=caller, entity="unite", key=world.unite_a))
    absent = await _error_of(historique(session, caller=caller, entity="unite", key=missing))
    # then both answers are the same (code, field, message up to the identifier asked)
    assert isinstance(hidden, NotFoundError)
    assert (hidden.code, hidden.field, hidden.message.replace(world.unite_a, "?")) == (
        absent.code,
        absent.field,
        absent.message.replace(missing, "?"),
    )


@pytest.mark.parametrize("operation", ["update", "close"])
async def test_writing_a_hidden_offer_answers_like_a_missing_one_and_changes_nothing(session, world, operation):
    # given offer A made sensitive, and the référent of B (out of scope)
    await _make_sensitive(session, world.unite_a)
    outsider = world.callers["referent_b"]
    missing = world.unite_a.split("/")[0] + "/999999"
    before = await fingerprint(session)

    def call(identifiant: str):
        if operation == "update":
            return update_unite(
                session,
                Principal.from_caller(outsider),
                identifiant=identifiant,
                version=1,
                data=parse(UniteUpdate, {"nom": "X"}),
            )
        return fermer_unite(
            session,
            Principal.from_caller(outsider),
            identifiant=identifiant,
            version=1,
            data=UniteClosure(date_fermeture=date(2026, 3, 1), type_fermeture_code="DEF"),
        )

    # when it writes the hidden offer and an offer that does not exist
    hidden, absent = await _error_of(call(world.unite_a)), await _error_of(call(missing))
    # then both are NOT_FOUND with the same message, and nothing changed
    assert (
        (hidden.code, hidden.field, hidden.message.replace(world.unite_a, "?"))
        == (absent.code, absent.field, absent.message.replace(missing, "?"))
        == ("NOT_FOUND", "identifiant", "No offer with identifier '?'.")
    )
    assert await fingerprint(session) == before


async def test_the_referent_of_the_structure_reads_and_edits_its_own_sensitive_offer(session, world):
    # given offer A made sensitive
    await _make_sensitive(session, world.unite_a)
    # when A's référent renames it, then reads its history
    unite = await update_unite(
        session,
        Principal.from_caller(world.callers["referent_a"]),
        identifiant=world.unite_a,
        version=1,
        data=parse(UniteUpdate, {"nom": "Unité protégée"}),
    )
    page = await historique(session, caller=world.callers["referent_a"], entity="unite", key=world.unite_a)
    # then both succeed
    assert unite.nom == "Unité protégée" and [r.new_value for r in page.items] == ["Unité protégée"]


# --- suivi ---------------------------------------------------------------------------------------------


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _add_units(session, eg_id: int, count: int, *, sensible: bool = False) -> None:
    for n in range(count):
        unite = Unite(
            etablissement_id=eg_id,
            nom=f"Offre {n}",
            champ_activite_code="04",
            mode_prise_en_charge_code="46",
            age_min=60,
            age_max=120,
            unite_sensible=sensible,
        )
        session.add(unite)
        await session.flush()
        unite.identifiant = f"11/{unite.id}"
    await session.commit()


async def test_suivi_reads_a_constant_number_of_statements_whatever_the_number_of_offers(session, engine, world):
    # given EG A read with its one offer, then with 30 more offers
    counts = []
    for extra in (0, 30):
        await _add_units(session, world.eg_a, extra)
        with counting(engine) as statements:
            suivi = await suivi_etablissement(session, caller=world.callers["support"], finess=EG_A)
        counts.append((len(suivi.unites), len(statements)))
    # then the number of statements does not grow with the offers (no completeness query per offer)
    assert counts[0][0] == 1 and counts[1][0] == 31
    assert counts[0][1] == counts[1][1], counts


@pytest.mark.parametrize("role", ["referent_a", "directeur_a", "support"])
async def test_suivi_lists_sensitive_offers_to_the_structures_accounts_and_support(session, engine, world, role):
    # given a sensitive offer added to EG A
    await _add_units(session, world.eg_a, 1, sensible=True)
    # when suiviEtablissement is asked through GraphQL by A's référent, A's directeur (EJ scope) or support
    state = AppState(settings=Settings(database_url="sqlite://", meili_managed=False), engine=engine, sessions=None)
    context = await make_context(state, session, world.callers[role])
    query = f'{{ suiviEtablissement(finess: "{EG_A}") {{ unites {{ nom }} }} }}'
    result = await schema.execute(query, context_value=context)
    # then each sees both offers, the sensitive one included
    assert result.errors is None, result.errors
    assert sorted(u["nom"] for u in result.data["suiviEtablissement"]["unites"]) == ["Hébergement permanent", "Offre 0"]
