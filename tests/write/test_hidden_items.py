"""Security item 1: a write never removes what its author cannot see.

A référent reads at level 2. Support stored, on an offer and on an EG, a level-3 contact and a level-3
telecom inside a level-2 contact. The référent's list replaces only what it can see: the hidden
contact and the hidden telecom survive untouched (same rows), and the audit of its write shows only
what it could see. Items sent above its level, or dropping a contact that holds hidden telecoms, are
refused with nothing written.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from ror_graph.models import AuditLog, Contact, Etablissement, Event, Telecom, Unite
from ror_graph.services.core.errors import DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.unite.inputs import ContactInput, UniteUpdate
from ror_graph.services.unite.write import update_unite
from tests.write.conftest import EG_A, T0, fingerprint, tel, version_of
from tests.write.test_graphql import execute, state  # noqa: F401 - ``state`` is a fixture

HIDDEN_PHONE, HIDDEN_ALERT = "0611111111", "0622222222"
CADRE = ContactInput(nature_code="10", nom="Cadre de santé", confidentialite=2,
                     telecoms=[tel("2", "0144556677", 2), tel("1", HIDDEN_PHONE, 3)])
REGULATION = ContactInput(nature_code="13", nom="Astreinte", confidentialite=3, telecoms=[tel("8", HIDDEN_ALERT, 3)])


async def _contacts(session, **owner) -> list[tuple]:
    """(id, nom, level, sorted telecoms) of the owner's contacts, read as columns (not the identity map)."""
    column = Contact.unite_id if "unite_id" in owner else Contact.etablissement_id
    contacts = (await session.exec(select(Contact.id, Contact.nom, Contact.confidentialite).where(
        column == next(iter(owner.values()))).order_by(Contact.id))).all()
    result = []
    for contact_id, nom, level in contacts:
        telecoms = (await session.exec(select(Telecom.valeur, Telecom.confidentialite).where(
            Telecom.contact_id == contact_id))).all()
        result.append((contact_id, nom, level, sorted(telecoms)))
    await session.commit()
    return result


async def _unite_with_hidden_items(session, world) -> Unite:
    """Support stores the two contacts on offer A; returns the offer."""
    version = await version_of(session, Unite, identifiant=world.unite_a)
    return await update_unite(session, world.principal("support"), identifiant=world.unite_a, version=version,
                              data=parse(UniteUpdate, {"contacts": [CADRE, REGULATION]}), now=T0)


async def test_referent_editing_one_unit_contact_keeps_hidden_contact_and_telecom(session, world):
    # given an offer with a level-2 contact holding a level-3 telecom, and a level-3 contact
    unite = await _unite_with_hidden_items(session, world)
    before = await _contacts(session, unite_id=unite.id)
    cadre_id, regulation = before[0][0], before[1]
    # when the référent sends back what it reads (the level-2 contact and telecom), with one edit
    edited = ContactInput(id=cadre_id, nature_code="10", nom="Cadre de santé (nuit)", confidentialite=2,
                          telecoms=[tel("2", "0144556677", 2)])
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=unite.version,
                       data=parse(UniteUpdate, {"contacts": [edited]}), now=T0)
    # then the visible contact is edited in place and keeps its hidden telecom
    after = await _contacts(session, unite_id=unite.id)
    assert after[0] == (cadre_id, "Cadre de santé (nuit)", 2, [("0144556677", 2), (HIDDEN_PHONE, 3)])
    # and the level-3 contact is untouched (same row, same telecom)
    assert after[1] == regulation
    # and the audit row of the référent's write shows only what it can see
    row = (await session.exec(select(AuditLog).where(AuditLog.field == "contacts", AuditLog.role == "referent"))).one()
    for hidden in (HIDDEN_PHONE, HIDDEN_ALERT, "Astreinte"):
        assert hidden not in row.old_value and hidden not in row.new_value
    assert "Cadre de santé (nuit)" in row.new_value


async def test_referent_replacing_the_eg_contacts_keeps_the_hidden_alert_contact(session, world):
    # given an EG whose only alert channel is a level-3 contact stored by support
    await update_etablissement(session, world.principal("support"), finess=EG_A, version=1,
                               data=parse(EtablissementUpdate, {"contacts": [REGULATION]}), now=T0)
    eg_id = world.eg_a
    hidden = await _contacts(session, etablissement_id=eg_id)
    # when the référent, who sees no contact at all, sends its own standard contact
    standard = ContactInput(nature_code="06", confidentialite=1, telecoms=[tel("2", "0145678900", 1)])
    eg = await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=2,
                                    data=parse(EtablissementUpdate, {"contacts": [standard]}), now=T0)
    # then the write is accepted (the hidden alert contact still makes the EG reachable) and kept as it was
    after = await _contacts(session, etablissement_id=eg_id)
    assert eg.version == 3 and after[0] == hidden[0] and after[1][1:] == (None, 1, [("0145678900", 1)])
    row = (await session.exec(select(AuditLog).where(AuditLog.field == "contacts", AuditLog.role == "referent"))).one()
    assert row.old_value == "[]" and HIDDEN_ALERT not in row.new_value


@pytest.mark.parametrize(("contacts", "code"), [
    # a contact above the author's level
    ([ContactInput(nature_code="13", confidentialite=3, telecoms=[tel("8", "0633333333", 3)])], "FORBIDDEN"),
    # a telecom above the author's level inside a visible contact
    ([ContactInput(nature_code="10", confidentialite=2, telecoms=[tel("8", "0633333333", 3)])], "FORBIDDEN"),
    # dropping the visible contact that holds a hidden telecom
    ([], "FORBIDDEN"),
])
async def test_referent_cannot_write_or_drop_what_it_cannot_see(session, world, contacts, code):
    unite = await _unite_with_hidden_items(session, world)
    before = await fingerprint(session)
    with pytest.raises(DomainError) as error:
        await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a,
                           version=unite.version, data=parse(UniteUpdate, {"contacts": contacts}))
    assert error.value.code == code
    assert await fingerprint(session) == before


async def test_referent_cannot_name_a_hidden_contact(session, world):
    unite = await _unite_with_hidden_items(session, world)
    contacts = await _contacts(session, unite_id=unite.id)
    before = await fingerprint(session)
    hidden_id = contacts[1][0]
    sent = [ContactInput(id=contacts[0][0], nature_code="10", confidentialite=2, telecoms=[tel("2", "0144556677", 2)]),
            ContactInput(id=hidden_id, nature_code="13", confidentialite=2, telecoms=[])]
    with pytest.raises(DomainError) as error:
        await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a,
                           version=unite.version, data=parse(UniteUpdate, {"contacts": sent}))
    assert (error.value.code, error.value.field) == ("BAD_INPUT", "contacts[1].id")
    assert await fingerprint(session) == before


async def test_a_referent_eg_write_does_not_touch_a_sensitive_unit(session, world):
    # given offer A turned sensitive by support
    version = await version_of(session, Unite, identifiant=world.unite_a)
    unite = await update_unite(session, world.principal("support"), identifiant=world.unite_a, version=version,
                               data=parse(UniteUpdate, {"unite_sensible": True}))
    last = max((await session.exec(select(Event.seq))).all())
    # when the référent renames the EG
    eg_version = await version_of(session, Etablissement, finess=EG_A)
    await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=eg_version,
                               data=parse(EtablissementUpdate, {"nom_operationnel": "Les Tilleuls"}))
    # then only the EG is queued, not the offer it cannot see
    queued = (await session.exec(select(Event.entity, Event.entity_id).where(Event.seq > last)))
    assert sorted(queued) == [("etablissement", world.eg_a)]
    assert unite.unite_sensible


READ = """query($u: String!) { unite(identifiant: $u) { version contacts { id nom natureCode: nature { code }
    niveauConfidentialite telecoms { valeur niveauConfidentialite canal { code } } } } }"""
WRITE = """mutation($u: String!, $v: Int!, $i: ModifierUniteInput!) {
    r: modifierUnite(identifiant: $u, version: $v, input: $i) { __typename ... on Error { code field } } }"""


async def test_graphql_round_trip_of_what_the_referent_read(state, session, world):  # noqa: F811
    # given the offer with hidden items, read through GraphQL by the référent
    unite = await _unite_with_hidden_items(session, world)
    referent = world.callers["referent_a"]
    read = (await execute(state, session, referent, READ, {"u": unite.identifiant}))["unite"]
    assert [c["nom"] for c in read["contacts"]] == ["Cadre de santé"]  # the level-3 contact is not shown
    # when it sends the contacts it read back, with one edit
    contacts = [{"id": int(c["id"]), "nom": c["nom"] + " (nuit)", "natureCode": c["natureCode"]["code"],
                 "confidentialite": c["niveauConfidentialite"],
                 "telecoms": [{"canalCode": t["canal"]["code"], "valeur": t["valeur"],
                               "confidentialite": t["niveauConfidentialite"]} for t in c["telecoms"]]}
                for c in read["contacts"]]
    result = await execute(state, session, referent, WRITE,
                           {"u": unite.identifiant, "v": read["version"], "i": {"contacts": contacts}})
    assert result["r"]["__typename"] == "UnitePayload", result
    # then the hidden contact and the hidden telecom are still there
    stored = await _contacts(session, unite_id=unite.id)
    assert [(nom, level) for _, nom, level, _ in stored] == [("Cadre de santé (nuit)", 2), ("Astreinte", 3)]
    assert (HIDDEN_PHONE, 3) in stored[0][3] and stored[1][3] == [(HIDDEN_ALERT, 3)]


PATCH = """mutation($u: String!, $v: Int!, $i: ModifierUniteInput!) {
    r: modifierUnite(identifiant: $u, version: $v, input: $i) {
      __typename ... on UnitePayload { unite { nom commentaire version } } } }"""


async def test_graphql_patch_tells_absent_from_null(state, session, world):  # noqa: F811
    support = world.callers["support"]
    version = await version_of(session, Unite, identifiant=world.unite_a)
    # given a comment
    first = await execute(state, session, support, PATCH, {"u": world.unite_a, "v": version,
                                                            "i": {"commentaire": "Jardin"}})
    assert first["r"]["unite"]["commentaire"] == "Jardin"
    # when only the name is sent, the comment is left unchanged
    second = await execute(state, session, support, PATCH, {"u": world.unite_a, "v": version + 1,
                                                             "i": {"nom": "Accueil de jour"}})
    assert second["r"]["unite"] == {"nom": "Accueil de jour", "commentaire": "Jardin", "version": version + 2}
    # when the comment is sent as null, it is cleared
    third = await execute(state, session, support, PATCH, {"u": world.unite_a, "v": version + 2,
                                                            "i": {"commentaire": None}})
    assert third["r"]["unite"] == {"nom": "Accueil de jour", "commentaire": None, "version": version + 3}
