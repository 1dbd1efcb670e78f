"""Offers by ``location.near`` (one pass over the lieux of the box, great circle in Python) and the
search totals kept per data version (``services.fhir.totals``): what they answer, not how fast."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlmodel import select

from ror_graph.models import Event, Lieu, Unite, UniteLieu, coded
from ror_graph.services.accounts.auth import create_api_client
from ror_graph.services.fhir.search import haversine_km
from tests.graphql.conftest import unite_codes

ANGERS = (47.4784, -0.5632)


async def _offers_around_angers(directory, session) -> tuple[list[Unite], dict[int, list[Lieu]]]:
    """30 offers of the Centre (every fifth sensitive, every other one with activité 003), 1-2 lieux each."""
    rng = random.Random(1515)
    offers = [Unite(identifiant=f"49/{100 + i}", etablissement_id=directory.centre.id, nom=f"Offre {i}",
                    champ_activite_code="01", mode_prise_en_charge_code="13", age_min=0, age_max=120,
                    unite_sensible=i % 5 == 0) for i in range(30)]
    session.add_all(offers)
    await session.flush()
    lieux: dict[int, list[Lieu]] = {}
    for i, offer in enumerate(offers):
        if i % 2 == 0:
            session.add_all(unite_codes(offer.id, coded.UniteAttribute.activite, "003"))  # type: ignore[arg-type]
        spread = 0.2 if offer.unite_sensible else 1.2  # the sensitive ones close: the public must still miss them
        lieux[offer.id] = [Lieu(etablissement_id=directory.centre.id, nom=f"Lieu {i}.{k}", commune_code="49007",  # type: ignore[index]
                                latitude=ANGERS[0] + rng.uniform(-spread, spread),
                                longitude=ANGERS[1] + rng.uniform(-spread, spread)) for k in range(1 + i % 2)]
        session.add_all(lieux[offer.id])  # type: ignore[index]
    await session.flush()
    session.add_all([UniteLieu(unite_id=unite_id, lieu_id=lieu.id) for unite_id, places in lieux.items()
                     for lieu in places])
    await session.commit()
    return offers, lieux


def _within(lieux: list[Lieu], km: float) -> bool:
    return any(haversine_km(*ANGERS, lieu.latitude, lieu.longitude) <= km for lieu in lieux)  # type: ignore[arg-type]


async def test_offers_near_match_by_great_circle_and_walk_without_gap(directory, session, walk, http):
    # given 30 offers around Angers with lieux up to ~1.2° away, some sensitive, half with activité 003
    offers, lieux = await _offers_around_angers(directory, session)
    near = f"location.near={ANGERS[0]}|{ANGERS[1]}|60|km"
    # when a public client walks the offers with activité 003 within 60 km, 2 per page
    entries = await walk(f"/fhir/HealthcareService?specialty=003&{near}&_count=2")
    # then exactly the visible ones with a lieu within 60 km by haversine come, in key order, each once
    expected = [f"49-{100 + i}" for i, o in enumerate(offers)
                if i % 2 == 0 and not o.unite_sensible and _within(lieux[o.id], 60)]  # type: ignore[index]
    assert [e["resource"]["id"] for e in entries] == expected and 2 < len(expected) < 15
    # and the total says so on every page
    first = (await http.get(f"/fhir/HealthcareService?specialty=003&{near}&_count=2")).json()
    assert first["total"] == len(expected)
    # and a regulation client also gets the sensitive ones
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    regulation = await walk(f"/fhir/HealthcareService?specialty=003&{near}&_count=5",
                            headers={"authorization": f"Bearer {token}"})
    assert len(regulation) == len([o for i, o in enumerate(offers)
                                   if i % 2 == 0 and _within(lieux[o.id], 60)])  # type: ignore[index]
    assert len(regulation) > len(expected)


async def test_offers_near_and_location_keep_their_own_meaning(directory, session, http):
    # given an offer with one lieu within 60 km of Angers and one far away
    offers, lieux = await _offers_around_angers(directory, session)
    both = next(o for i, o in enumerate(offers) if not o.unite_sensible and len(lieux[o.id]) == 2  # type: ignore[index]
                and [_within([lieu], 60) for lieu in lieux[o.id]] == [True, False])  # type: ignore[index]
    far = lieux[both.id][1]  # type: ignore[index]
    # when offers near Angers are asked for, delivered (also) at the far lieu
    url = (f"/fhir/HealthcareService?location.near={ANGERS[0]}|{ANGERS[1]}|60|km&location=Location/{far.id}")
    found = [e["resource"]["id"] for e in (await http.get(url)).json().get("entry", [])]
    # then the offer matches: near is about any of its lieux, location about any of its lieux
    assert found == [both.identifiant.replace("/", "-")]  # type: ignore[union-attr]


async def test_totals_follow_the_writes(directory, session, http):
    # given a public client's search and its total
    url = "/fhir/HealthcareService?_lastUpdated=ge2000-01-01&_count=1"
    first = (await http.get(url)).json()
    assert first["total"] == 3
    # when an offer is added by a write (its row and its event, in one transaction)
    offer = Unite(identifiant="52/9", etablissement_id=directory.centre.id, nom="Nouvelle offre",
                  champ_activite_code="01", mode_prise_en_charge_code="13", age_min=0, age_max=120)
    session.add(offer)
    await session.flush()
    session.add(Event(at=datetime.now(UTC), entity="unite", entity_id=offer.id, entity_key="52/9", op="create"))
    await session.commit()
    # then the same search, and the next page of the first one, count it
    assert (await http.get(url)).json()["total"] == 4
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    assert (await http.get(next_url)).json()["total"] == 4
    # and a regulation client, who also sees the sensitive unit, gets its own total
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    regulation = (await http.get(url, headers={"authorization": f"Bearer {token}"})).json()
    assert regulation["total"] == 5
    assert (await session.exec(select(Unite).where(Unite.identifiant == "52/2"))).one().unite_sensible
