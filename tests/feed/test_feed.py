"""The change feed as each caller sees it: ops, tombstones, resuming, expiry, filters, profiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import delete, select

from ror_graph.models import Unite
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, CursorExpiredError
from ror_graph.services.core.write import parse
from ror_graph.services.feed.changes import FeedFilter, read_changes
from ror_graph.services.feed.cursor import issue
from ror_graph.services.unite.inputs import ContactInput, UniteClosure, UniteUpdate
from ror_graph.services.unite.write import fermer_unite, update_unite
from tests.feed.conftest import RETENTION, follow
from tests.write.conftest import T0, tel, version_of

PUBLIC = caller_for_profile("public")
PROFESSIONAL = caller_for_profile("professional")
REGULATION = caller_for_profile("regulation")
SECRET_PHONE = "0199887766"


async def patch(session, world, data: dict, identifiant: str | None = None):
    identifiant = identifiant or world.unite_a
    version = await version_of(session, Unite, identifiant=identifiant)
    return await update_unite(session, world.principal("support"), identifiant=identifiant, version=version,
                              data=parse(UniteUpdate, data), now=T0)


def ops(items, identifiant):
    return [i.op for i in items if i.key == identifiant]


async def test_updates_arrive_in_commit_order_with_the_current_form(session, world):
    # given a cursor at the end of the log, then two updates of offer A
    _, cursor = await follow(session, PUBLIC)
    await patch(session, world, {"nom": "Accueil de jour"})
    await patch(session, world, {"commentaire": "Ouvert le samedi"})
    # when the public reader follows the feed from its cursor
    items, _ = await follow(session, PUBLIC, cursor)
    # then both updates come, in order, with the changed fields and the offer's current public form
    assert [(i.op, i.key, i.fields) for i in items] == [
        ("updated", world.unite_a, ["nom"]), ("updated", world.unite_a, ["commentaire"])]
    assert items[1].data["nom"] == "Accueil de jour" and items[1].data["codes"] == {"activite": ["003"]}
    assert items[0].version < items[1].version


async def test_a_contact_above_the_callers_level_never_appears(session, world):
    # given an offer that gets a level-1 contact with a level-3 telecom, and a level-2 contact
    standard = ContactInput(nature_code="06", nom="Accueil", confidentialite=1,
                            telecoms=[tel("2", "0140000000", 1), tel("2", SECRET_PHONE, 3)])
    cadre = ContactInput(nature_code="10", nom="Cadre", confidentialite=2, telecoms=[tel("2", "0140000001", 2)])
    await patch(session, world, {"contacts": [standard, cadre]})
    # when each profile reads the feed
    public, _ = await follow(session, PUBLIC)
    professional, _ = await follow(session, PROFESSIONAL)
    regulation, _ = await follow(session, REGULATION)
    # then each sees the contacts and telecoms of its level only
    def phones(items):
        return sorted(t["valeur"] for c in items[-1].data["contacts"] for t in c["telecoms"])
    assert phones(public) == ["0140000000"]
    assert phones(professional) == ["0140000000", "0140000001"]
    assert phones(regulation) == ["0140000000", "0140000001", SECRET_PHONE]


async def test_an_offer_made_sensitive_is_a_deletion_below_regulation(session, world):
    # given a public and a regulation reader at the end of the log
    _, cursor = await follow(session, PUBLIC)
    # when offer A becomes sensitive, is then edited, then becomes public again
    await patch(session, world, {"unite_sensible": True})
    await patch(session, world, {"commentaire": "Modifié pendant qu'elle est sensible"})
    public_hidden, public_cursor = await follow(session, PUBLIC, cursor)
    await patch(session, world, {"unite_sensible": False})
    public_back, _ = await follow(session, PUBLIC, public_cursor)
    regulation, _ = await follow(session, REGULATION, cursor)
    # then the public reader gets a tombstone (no data), nothing about the hidden edit, then a creation
    assert [(i.op, i.data) for i in public_hidden] == [("deleted", None)]
    assert [i.op for i in public_back] == ["created"] and public_back[0].data["identifiant"] == world.unite_a
    # and the regulation reader sees three plain updates
    assert [i.op for i in regulation] == ["updated", "updated", "updated"]


async def test_closure_reopening_and_deletion(session, world):
    # given a reader at the end of the log
    _, cursor = await follow(session, PUBLIC)
    # when offer A closes, reopens (support), is edited, and offer B is deleted by support
    version = await version_of(session, Unite, identifiant=world.unite_a)
    await fermer_unite(session, world.principal("support"), identifiant=world.unite_a, version=version,
                       data=UniteClosure(date_fermeture=date(2026, 2, 1), type_fermeture_code="DEF"), now=T0)
    unite_a = (await session.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()
    cs = ChangeSet(session, Actor(name="support@ars.test", role="support", source="admin"))
    cs.set(unite_a, "unite", world.unite_a, "ferme", False)
    await cs.flush()
    await session.commit()
    await patch(session, world, {"commentaire": "Rouvert"})
    unite_b = (await session.exec(select(Unite).where(Unite.identifiant == world.unite_b))).one()
    cs = ChangeSet(session, Actor(name="support@ars.test", role="support", source="admin"))
    cs.enqueue("unite", unite_b.id, "delete")
    await cs.flush()  # the event takes the offer's key while the row is still there
    await session.exec(delete(Unite).where(Unite.id == unite_b.id))  # type: ignore[call-overload]
    await session.commit()
    items, _ = await follow(session, PUBLIC, cursor)
    # then the reader sees closed, reopened, updated for A and a tombstone for B
    assert ops(items, world.unite_a) == ["closed", "reopened", "updated"]
    assert [(i.op, i.data) for i in items if i.key == world.unite_b] == [("deleted", None)]


async def test_resume_from_any_cursor(session, world):
    # given five updates
    _, start = await follow(session, PUBLIC)
    for n in range(5):
        await patch(session, world, {"commentaire": f"v{n}"})
    everything, _ = await follow(session, PUBLIC, start, first=2)
    # when a reader resumes from each item's cursor
    for n, item in enumerate(everything):
        rest, _ = await follow(session, PUBLIC, item.cursor, first=3)
        # then it gets exactly the items after that one
        assert [i.seq for i in rest] == [i.seq for i in everything[n + 1:]]
    assert [i.fields for i in everything] == [["commentaire"]] * 5


async def test_expired_and_malformed_cursors(session, world):
    # given a cursor handed out longer ago than the retention
    old = issue(1, datetime.now(UTC) - RETENTION - timedelta(days=1))
    # when a reader passes it, then CURSOR_EXPIRED points to the bulk export
    with pytest.raises(CursorExpiredError) as expired:
        await read_changes(session, PUBLIC, after=old, first=10, retention=RETENTION)
    assert expired.value.code == "CURSOR_EXPIRED" and "export" in expired.value.message
    # and a made-up cursor or page size is bad input
    for after, first in (("abc", 10), (None, 0), (None, 5000)):
        with pytest.raises(BadInputError):
            await read_changes(session, PUBLIC, after=after, first=first, retention=RETENTION)


async def test_filters_by_entity_region_and_departement(session, world):
    # given changes of both offers (A in Paris, region 11; B in Lyon, region 84)
    _, cursor = await follow(session, PUBLIC)
    await patch(session, world, {"commentaire": "a"})
    await patch(session, world, {"commentaire": "b"}, identifiant=world.unite_b)
    # when readers filter by region, département and entity
    by_region, _ = await follow(session, PUBLIC, cursor, filter=FeedFilter(regions=frozenset({"84"})))
    by_dep, _ = await follow(session, PUBLIC, cursor, filter=FeedFilter(departements=frozenset({"75"})))
    egs_only, _ = await follow(session, PUBLIC, cursor, filter=FeedFilter(entites=frozenset({"etablissement"})))
    # then each gets its part only
    assert [i.key for i in by_region] == [world.unite_b]
    assert [i.key for i in by_dep] == [world.unite_a]
    assert egs_only == []
    with pytest.raises(BadInputError):
        await read_changes(session, PUBLIC, after=None, first=10, filter=FeedFilter(entites=frozenset({"x"})),
                           retention=RETENTION)
