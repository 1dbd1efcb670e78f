"""Confidentiality by caller profile: data above the caller's level is absent, never an error."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ror_graph.models import Capacite, Contact, Equipement, Habitation, Lieu, Telecom, UniteLieu
from ror_graph.services.accounts.auth import ANONYMOUS, caller_for_profile
from ror_graph.services.directory import batch as service

PUBLIC, PROFESSIONAL, REGULATION = ANONYMOUS, caller_for_profile("professional"), caller_for_profile("regulation")

QUERY_CONTACTS = """
{ etablissement(finess: "440000024") {
    contacts { nom niveauConfidentialite telecoms { valeur } }
    unites { identifiant contacts { nom telecoms { valeur confidentialite { code label } } } }
} }
"""
QUERY_SENSITIVE = """
{ unite(identifiant: "52/2") { nom uniteSensible }
  etablissement(finess: "440000024") { unites { identifiant } }
  unites(first: 10) { totalCount nodes { identifiant } }
  etablissements(filter: {activites: ["003"], publics: ["01"]}) { totalCount } }
"""


@pytest.mark.parametrize(
    ("caller", "eg_contacts", "offer_phones"),
    [
        (PUBLIC, ["Contact niveau 1"], ["0240000001"]),
        (PROFESSIONAL, ["Contact niveau 1", "Contact niveau 2"], ["0240000001", "0240000002"]),
        (
            REGULATION,
            ["Contact niveau 1", "Contact niveau 2", "Contact niveau 3"],
            ["0240000001", "0240000002", "0640000003"],
        ),
    ],
)
async def test_contacts_and_telecoms_up_to_the_callers_level(directory, data, caller, eg_contacts, offer_phones):
    # when the EHPAD's contacts are read by each profile
    eg = (await data(QUERY_CONTACTS, caller=caller))["etablissement"]
    # then contacts and telecoms above the caller's level are simply absent
    assert [c["nom"] for c in eg["contacts"]] == eg_contacts
    assert all(c["telecoms"] == [{"valeur": f"020000000{c['niveauConfidentialite']}"}] for c in eg["contacts"])
    accueil = eg["unites"][0]["contacts"][0]
    assert [t["valeur"] for t in accueil["telecoms"]] == offer_phones


async def test_level_2_phone_label(directory, data):
    # when a professional reads the offer contact, then the level-2 phone says its level
    eg = (await data(QUERY_CONTACTS, caller=PROFESSIONAL))["etablissement"]
    phone = eg["unites"][0]["contacts"][0]["telecoms"][1]
    assert phone["confidentialite"] == {"code": "2", "label": "Visible par les professionnels"}


async def test_a_telecom_takes_the_stricter_of_its_level_and_its_contacts(directory, session):
    # given a public telecom on a level-2 contact
    contact = Contact(etablissement_id=directory.ehpad.id, nom="Direction", confidentialite=2)
    session.add(contact)
    await session.flush()
    session.add(Telecom(contact_id=contact.id, canal_code="2", valeur="0299999999", confidentialite=1))
    await session.commit()
    # when its telecoms are loaded for a public caller, even by the contact id, then none comes
    assert await service.telecoms_by_contact_ids(session, [contact.id], caller=PUBLIC) == []
    found = await service.telecoms_by_contact_ids(session, [contact.id], caller=PROFESSIONAL)
    assert [t.valeur for t in found] == ["0299999999"]


@pytest.mark.parametrize(("caller", "sees"), [(PUBLIC, False), (PROFESSIONAL, False), (REGULATION, True)])
async def test_sensitive_offer_only_for_regulation(directory, data, caller, sees):
    # when the sensitive offer 52/2 is looked up, listed, counted and filtered on
    result = await data(QUERY_SENSITIVE, caller=caller)
    # then only the regulation profile finds it, everywhere
    assert (result["unite"] is not None) is sees
    if sees:
        assert result["unite"] == {"nom": "Unité protégée", "uniteSensible": True}
    assert ("52/2" in [u["identifiant"] for u in result["etablissement"]["unites"]]) is sees
    identifiants = [n["identifiant"] for n in result["unites"]["nodes"]]
    assert ("52/2" in identifiants) is sees
    assert result["unites"]["totalCount"] == (4 if sees else 3) == len(identifiants)
    assert result["etablissements"]["totalCount"] == 1  # the EHPAD, through 52/1 (also 52/2 for regulation)


QUERY_LIEUX = """
{ etablissement(finess: "440000024") {
    lieux { nom latitude longitude equipements { type { code } } capacites { nombre } habitations { nombre } }
} }
"""


async def _add_lieux(session, directory) -> None:
    """A lieu used only by the sensitive offer 52/2, one shared with 52/1, one used by no offer."""
    secret = Lieu(etablissement_id=directory.ehpad.id, nom="Pavillon protégé", commune_code="44109",
                  latitude=47.21, longitude=-1.55)
    shared = Lieu(etablissement_id=directory.ehpad.id, nom="Jardin partagé", commune_code="44109")
    alone = Lieu(etablissement_id=directory.ehpad.id, nom="Accueil administratif", commune_code="44109")
    session.add_all([secret, shared, alone])
    await session.flush()
    session.add_all([
        UniteLieu(unite_id=directory.protegee.id, lieu_id=secret.id),
        UniteLieu(unite_id=directory.protegee.id, lieu_id=shared.id),
        UniteLieu(unite_id=directory.hebergement.id, lieu_id=shared.id),
        Equipement(lieu_id=secret.id, type_code="137", nombre_en_service=1),
        Capacite(lieu_id=secret.id, nature_code="02", statut_code="01", nombre=12),
        Habitation(lieu_id=secret.id, type_code="02", nombre=12),
    ])
    await session.commit()


@pytest.mark.parametrize(("caller", "sees"), [(PUBLIC, False), (PROFESSIONAL, False), (REGULATION, True)])
async def test_a_lieu_serving_only_sensitive_offers_is_as_hidden_as_they_are(directory, session, data, caller, sees):
    # given a lieu used only by the sensitive offer, a lieu it shares with a public offer, a lieu of no offer
    await _add_lieux(session, directory)
    # when the EHPAD's lieux are read
    lieux = (await data(QUERY_LIEUX, caller=caller))["etablissement"]["lieux"]
    names = sorted(lieu["nom"] for lieu in lieux)
    # then the sensitive-only lieu (and its position, equipment, capacities, housing) comes only to regulation
    expected = ["Accueil administratif", "Bâtiment A", "Jardin partagé"] + (["Pavillon protégé"] if sees else [])
    assert names == sorted(expected)
    equipment = [e["type"]["code"] for lieu in lieux for e in lieu["equipements"]]
    assert ("137" in equipment) is sees
    assert (47.21 in [lieu["latitude"] for lieu in lieux]) is sees


async def test_children_of_a_hidden_lieu_or_offer_are_filtered_even_when_asked_by_id(directory, session):
    # given the sensitive offer's own lieu with equipment, and the offer's activity codes
    await _add_lieux(session, directory)
    secret = (await session.exec(select(Lieu).where(Lieu.nom == "Pavillon protégé"))).one()
    # when a public caller's batch asks for them by id (as a future loader might), then nothing comes
    assert await service.equipements_by_lieu_ids(session, [secret.id], caller=PUBLIC) == []
    assert await service.capacites_by_lieu_ids(session, [secret.id], caller=PUBLIC) == []
    assert await service.codes_by_unite_ids(session, [directory.protegee.id], caller=PUBLIC) == []
    assert await service.lieux_by_unite_ids(session, [directory.protegee.id], caller=PUBLIC) == []
    # and regulation gets them
    assert len(await service.equipements_by_lieu_ids(session, [secret.id], caller=REGULATION)) == 1
    assert len(await service.codes_by_unite_ids(session, [directory.protegee.id], caller=REGULATION)) == 2


@pytest.mark.parametrize(
    ("scopes", "sees"),
    [({"scopes_eg": frozenset({"440000024"})}, True), ({"scopes_ej": frozenset({"440000016"})}, True),
     ({"scopes_eg": frozenset({"490000031"})}, False), ({}, False)],
)
async def test_referents_see_the_sensitive_offers_of_their_own_structures(directory, data, scopes, sees):
    # given a référent whose scope covers the EHPAD (by EG or EJ FINESS), or another EG, or nothing
    referent = caller_for_profile("professional", account_id=1, email="r@example.fr", role="referent", **scopes)
    # when they look up, list and filter offers
    result = await data(QUERY_SENSITIVE, caller=referent)
    # then they find the sensitive offer 52/2 exactly when their scope covers its structure
    assert (result["unite"] is not None) is sees
    assert ("52/2" in [u["identifiant"] for u in result["etablissement"]["unites"]]) is sees
    assert result["unites"]["totalCount"] == (4 if sees else 3)
