"""``near`` (great circle, sorted by distance), ``_history`` with ``_since`` (410 for deleted), and
what a public client never receives: level-2/3 telecoms, sensitive units, their lieux."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from ror_graph.models import Event, Lieu, Unite, UniteLieu
from ror_graph.services.accounts.auth import create_api_client
from ror_graph.services.fhir.search import haversine_km
from tests.fhir.conftest import parse_r4

ANGERS = (47.4784, -0.5632)


async def test_near_matches_and_orders_by_great_circle_distance(directory, session, walk):
    # given 60 lieux scattered around Angers (up to ~1.5° away, where flat-earth distances go wrong)
    rng = random.Random(15)
    lieux = [Lieu(etablissement_id=directory.centre.id, nom=f"Lieu {i}", commune_code="49007",
                  latitude=ANGERS[0] + rng.uniform(-1.5, 1.5), longitude=ANGERS[1] + rng.uniform(-1.5, 1.5))
             for i in range(60)]
    session.add_all(lieux)
    await session.commit()
    # when lieux within 80 km are asked for, sorted by distance, 7 per page
    entries = await walk(f"/fhir/Location?near={ANGERS[0]}|{ANGERS[1]}|80|km&_sort=near&_count=7")
    # then exactly the lieux within 80 km by haversine come back, nearest first, each with its distance
    expected = sorted((haversine_km(*ANGERS, lieu.latitude, lieu.longitude), lieu.id) for lieu in lieux)
    expected = [(round(d, 3), i) for d, i in expected if d <= 80]
    got = [(e["search"]["extension"][0]["valueDistance"]["value"], int(e["resource"]["id"])) for e in entries]
    assert got == expected and 5 < len(got) < 60
    # and the offers near Angers are those with a lieu in range (none here: the new lieux serve no offer)
    assert await walk(f"/fhir/HealthcareService?location.near={ANGERS[0]}|{ANGERS[1]}|80|km") == []


async def test_history_since_lists_changes_and_deletions(directory, session, http):
    # given events: an update of offer 52/1 long ago, then of 52/3 and the deletion of 99/9 recently
    old, recent = datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) - timedelta(minutes=1)
    session.add_all([
        Event(at=old, entity="unite", entity_id=directory.hebergement.id, entity_key="52/1", op="update"),
        Event(at=recent, entity="unite", entity_id=directory.addicto.id, entity_key="52/3", op="update"),
        Event(at=recent, entity="unite", entity_id=987654, entity_key="99/9", op="delete"),
        Event(at=recent, entity="unite", entity_id=directory.protegee.id, entity_key="52/2", op="update"),
    ])
    await session.commit()
    # when a client syncs from yesterday
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    bundle = (await http.get(f"/fhir/HealthcareService/_history?_since={since}")).json()
    parse_r4(bundle)
    # then it gets the update of 52/3 and the deletion of 99/9; not the old change, not the sensitive unit
    assert [(e["request"]["method"], e["request"]["url"]) for e in bundle["entry"]] == [
        ("PUT", "HealthcareService/52-3"), ("DELETE", "HealthcareService/99-9")]
    # and reading the deleted offer answers 410 Gone
    assert (await http.get("/fhir/HealthcareService/99-9")).status_code == 410


async def test_public_bundles_hold_nothing_confidential(directory, session, http):
    # given a lieu used only by the sensitive unit 52/2
    hidden = Lieu(etablissement_id=directory.ehpad.id, nom="Lieu secret", commune_code="44109")
    session.add(hidden)
    await session.flush()
    session.add(UniteLieu(unite_id=directory.protegee.id, lieu_id=hidden.id))
    await session.commit()
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    url = ("/fhir/Organization?_revinclude=HealthcareService:organization&_revinclude=Location:organization"
           "&_count=200")
    # when everything is fetched anonymously, and with a regulation token
    public = json.dumps((await http.get(url)).json(), ensure_ascii=False)
    regulation = json.dumps((await http.get(url, headers={"authorization": f"Bearer {token}"})).json(),
                            ensure_ascii=False)
    # then the regulation bundle has the level-2/3 phones, the sensitive unit and its lieu; the public one none
    for secret in ("0200000002", "0200000003", "0240000002", "0640000003", "Unité protégée", "Lieu secret"):
        assert secret in regulation and secret not in public, secret
    assert "0200000001" in public and "0240000001" in public
    assert (await http.get(f"/fhir/Location/{hidden.id}")).status_code == 404
    hidden_unit = (await session.exec(select(Unite).where(Unite.identifiant == "52/2"))).one()
    assert hidden_unit.unite_sensible
