"""Modèles de saisie: the shipped templates are listed, ``creerUnite(modele:)`` preselects what the
caller did not send, and a new home-care or mobile offer gets its EG's département as zone."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from ror_graph.models import Unite, UniteCode, ZoneIntervention
from ror_graph.services.qualite import modeles
from tests.write.conftest import EG_A

CREATE = """mutation($i: CreerUniteInput!, $m: String) {
  r: creerUnite(finess: "%s", input: $i, modele: $m) { __typename ... on Error { code field message }
     ... on UnitePayload { unite { identifiant } } } }""".replace("%s", EG_A)
REQUIRED = {"nom": "Nouvelle offre", "champActiviteCode": "04", "modePriseEnChargeCode": "49", "ageMin": 60,
            "ageMax": 120, "uniteSensible": False, "activites": ["287"]}


async def created(session, identifiant: str) -> tuple[Unite, dict[str, set[str]], list[str]]:
    unite = (await session.exec(select(Unite).where(Unite.identifiant == identifiant))).one()
    codes: dict[str, set[str]] = {}
    for attribute, code in await session.exec(select(UniteCode.attribute, UniteCode.code).where(
            UniteCode.unite_id == unite.id)):
        codes.setdefault(attribute, set()).add(code)
    zone = sorted(await session.exec(select(ZoneIntervention.code).where(col(ZoneIntervention.unite_id) == unite.id)))
    return unite, codes, zone


async def test_shipped_templates_are_listed(gql):
    data = (await gql("{ modelesSaisie { code libelle valeurs zoneDepartement } }")).data["modelesSaisie"]
    assert [m["code"] for m in data] == sorted(["ehpad_hp", "uvp", "accueil_jour", "ssiad", "sad", "act", "lam",
                                                "lhss", "emsp"])
    ssiad = next(m for m in data if m["code"] == "ssiad")
    assert ssiad["valeurs"]["type_offre_code"] == "28" and ssiad["zoneDepartement"] is True


async def test_template_preselects_and_mobile_offer_gets_the_departement(session, gql):
    # given a référent creates a SSIAD offer from its template, sending only the required fields
    result = await gql(CREATE, {"i": REQUIRED, "m": "ssiad"}, caller="referent_a")
    payload = result.data["r"]
    assert payload["__typename"] == "UnitePayload", payload
    unite, codes, zone = await created(session, payload["unite"]["identifiant"])
    # then the template's type d'offre and publics are preselected, what he sent is kept
    assert (unite.type_offre_code, unite.mode_prise_en_charge_code) == ("28", "49")
    assert codes["public"] == {"01"} and codes["activite"] == {"287"}
    # and home care gets the EG's département (Paris: its COG communes, arrondissements included) as zone
    assert "75056" in zone and len(zone) == 21 and all(c.startswith("75") for c in zone)


async def test_what_the_caller_sends_wins_and_unknown_template_is_refused(session, gql):
    sent = {**REQUIRED, "modePriseEnChargeCode": "46", "publics": ["03"], "zoneIntervention": []}
    payload = (await gql(CREATE, {"i": sent, "m": "ehpad_hp"}, caller="referent_a")).data["r"]
    unite, codes, zone = await created(session, payload["unite"]["identifiant"])
    assert (unite.type_offre_code, unite.temporalite_code) == ("21", "02")  # from the template
    assert codes["public"] == {"03"} and zone == []  # sent: kept; hébergement: no default zone
    refused = (await gql(CREATE, {"i": REQUIRED, "m": "inconnu"}, caller="referent_a")).data["r"]
    assert (refused["code"], refused["field"]) == ("BAD_INPUT", "modele")


@pytest.mark.parametrize("code", [c for c, *_ in modeles.DEFAULTS])
async def test_each_shipped_template_creates_a_valid_offer(gql, code):
    payload = (await gql(CREATE, {"i": REQUIRED, "m": code}, caller="support")).data["r"]
    assert payload["__typename"] == "UnitePayload", payload
