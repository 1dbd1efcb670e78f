"""Declared EG fields: contacts with confidentiality, alert rule, formats, aides, tarifs, audit and versions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from ror_graph.models import AuditLog, Contact, Etablissement, EtablissementCode, Tarif, Telecom
from ror_graph.services.core.errors import BadInputError, ConflictError, DomainError, InvalidCodeError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import TarifInput, update_etablissement
from ror_graph.services.unite.contacts import ContactInput
from tests.write.conftest import EG_A, T0, count, fingerprint, tel, version_of

# A référent reads at level 2, so the contacts it writes are at most level 2 (a level-3 one is support's).
ALERT = ContactInput(nature_code="13", confidentialite=2,
                     telecoms=[tel("8", "06 01 02 03 04", 2)])
DIRECTION = ContactInput(nature_code="10", nom="Mme Martin", confidentialite=2, telecoms=[
    tel("2", "01 45 67 89 10", 2), tel("3", "direction@ehpad-tilleuls.fr", 2)])
STANDARD = ContactInput(nature_code="06", telecoms=[tel("2", "0145678900", 1)])


async def update(session, world, changes, role="referent_a", version=None):
    version = version if version is not None else await version_of(session, Etablissement, finess=EG_A)
    return await update_etablissement(session, world.principal(role), finess=EG_A, version=version,
                                      data=parse(EtablissementUpdate, changes), now=T0)


async def test_contacts_are_replaced_with_their_levels_and_audited_once(session, world):
    # given an EG with a standard contact
    await update(session, world, {"contacts": [STANDARD, ALERT]})
    # when the référent sends a new list
    eg = await update(session, world, {"contacts": [DIRECTION, ALERT]})
    # then only the new contacts remain, each telecom with its own level
    contacts = (await session.exec(select(Contact).where(Contact.etablissement_id == world.eg_a))).all()
    assert sorted(c.nature_code for c in contacts) == ["10", "13"]
    telecoms = (await session.exec(select(Telecom.canal_code, Telecom.confidentialite))).all()
    assert sorted(telecoms) == [("2", 2), ("3", 2), ("8", 2)]
    # and each write left one audit row for the list, with who / role / source
    rows = (await session.exec(select(AuditLog).where(AuditLog.field == "contacts").order_by(AuditLog.id))).all()
    assert len(rows) == 2
    assert rows[1].actor == "referent.a@example.fr" and rows[1].role == "referent" and rows[1].source == "api"
    assert '"Mme Martin"' in rows[1].new_value and "0145678900" in rows[1].old_value
    assert eg.version == 3 and eg.statut_description == "modifie"
    assert eg.derniere_modification_par == "referent.a@example.fr"


@pytest.mark.parametrize(("contacts", "field"), [
    ([STANDARD], "contacts"),  # no alert channel at all
    ([ContactInput(nature_code="13", telecoms=[tel("8", "pas un numéro", 1)])],
     "contacts[0].telecoms[0].valeur"),
    ([ALERT, ContactInput(telecoms=[tel("3", "direction@", 1)])], "contacts[1].telecoms[0].valeur"),
    # the typed input refuses a missing level or canal before any check (the path names the field)
    ([{"telecoms": [{"canal_code": "8", "valeur": "0601020304", "confidentialite": None}]}],
     "contacts[0].telecoms[0].confidentialite"),
    ([ContactInput(telecoms=[tel("8", "0601020304", 4)])], "contacts[0].telecoms[0].confidentialite"),
    ([ALERT, {"telecoms": [{"canal_code": None, "valeur": "0601020304", "confidentialite": 1}]}],
     "contacts[1].telecoms[0].canal_code"),
])
async def test_bad_contacts_are_refused_with_the_field_and_change_nothing(session, world, contacts, field):
    before = await fingerprint(session)
    with pytest.raises(BadInputError) as error:
        await update(session, world, {"contacts": contacts})
    assert error.value.field == field
    assert await fingerprint(session) == before


async def test_unknown_nature_and_canal_are_invalid_codes(session, world):
    with pytest.raises(InvalidCodeError):
        await update(session, world, {"contacts": [ALERT, ContactInput(nature_code="99")]})
    with pytest.raises(InvalidCodeError):
        await update(session, world, {"contacts": [ALERT, ContactInput(telecoms=[tel("42", "x", 1)])]})
    assert await count(session, "contact") == 0


async def test_scalars_aides_and_tarifs_one_audit_row_per_changed_field(session, world):
    # when several declared fields change in one call
    eg = await update(session, world, {
        "nom_operationnel": "  Les Tilleuls ", "hebergement_famille": True, "nb_place_aide_sociale_permanent": 12,
        "commentaire": "Jardin thérapeutique", "aides_financieres": ["02", "01"],
        "tarifs": [TarifInput(type_code="02", montant="68.5", type_habitation_code="02", temporalite_code="02")],
    })
    # then the values are stored, cleaned
    assert eg.nom_operationnel == "Les Tilleuls" and eg.nb_place_aide_sociale_permanent == 12
    aides = (await session.exec(select(EtablissementCode.code).where(EtablissementCode.etablissement_id == eg.id)))
    assert sorted(aides) == ["01", "02"]
    tarif = (await session.exec(select(Tarif))).one()
    assert tarif.montant == Decimal("68.50") and tarif.type_habitation_code == "02"
    # and there is one audit row per changed field (plus the status), one outbox row per EG and offer
    fields = sorted((await session.exec(select(AuditLog.field))).all())
    assert fields == ["aides_financieres", "commentaire", "hebergement_famille", "nb_place_aide_sociale_permanent",
                      "nom_operationnel", "statut_description", "tarifs"]
    assert await count(session, "event_log", entity="etablissement", entity_id=world.eg_a) == 1
    assert await count(session, "event_log", entity="unite") == 1


async def test_a_deprecated_aide_is_refused(session, world):
    with pytest.raises(InvalidCodeError) as error:
        await update(session, world, {"aides_financieres": ["03"]})  # APA: deprecated
    assert error.value.field == "aides_financieres"


async def test_sending_the_same_values_writes_nothing(session, world):
    await update(session, world, {"nom_operationnel": "Les Tilleuls", "contacts": [ALERT]})
    before = await fingerprint(session)
    eg = await update(session, world, {"nom_operationnel": "Les Tilleuls", "contacts": [ALERT]})
    assert eg.version == 2
    assert await fingerprint(session) == before


async def test_stale_version_is_a_conflict_with_the_current_version(session, world):
    await update(session, world, {"nom_operationnel": "Première"})
    before = await fingerprint(session)
    with pytest.raises(ConflictError) as error:
        await update(session, world, {"nom_operationnel": "Seconde"}, version=1)
    assert error.value.current_version == 2 and error.value.code == "CONFLICT"
    assert await fingerprint(session) == before


@pytest.mark.parametrize("changes", [
    {"nom_operationnel": "x" * 301}, {"nom_operationnel": "nul\x00byte"}, {"nb_place_aide_sociale_temporaire": -1},
    {"nb_place_aide_sociale_temporaire": 10**12}, {"hebergement_famille": "oui"}, {"version": 9},
    {"statut_description": "valide"}, {"tarifs": [TarifInput(type_code="02", montant="1e400")]},
    {"tarifs": [{"type_code": "02", "montant": None}]}, {"accessibilite_code": "a b"},
])
async def test_invalid_values_are_bad_input(session, world, changes):
    before = await fingerprint(session)
    with pytest.raises(DomainError) as error:
        await update(session, world, changes)
    assert error.value.code == "BAD_INPUT"
    assert await fingerprint(session) == before
