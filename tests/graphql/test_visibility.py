"""Confidentiality by caller profile: data above the caller's level is absent, never an error."""

from __future__ import annotations

import pytest

from ror_graph.models import Contact, Telecom
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
