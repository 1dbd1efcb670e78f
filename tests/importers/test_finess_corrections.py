"""Support corrections of FINESS fields and how the importer treats them on the next files."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ror_graph.db import session_factory
from ror_graph.models import AuditLog, Etablissement, Event, FinessFieldState, Unite
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, ForbiddenError, InvalidCodeError, NotFoundError
from ror_graph.services.etablissement.inputs import FinessCorrection
from ror_graph.services.finess.batch import REPLACED_MOTIF
from ror_graph.services.finess.importer import correct_finess_field, import_finess

SUPPORT = Principal(kind="account", name="support@ars.fr", role="support", source="admin", level=3)
REUNION = "970400024"
FINESS_NAME = "CHU SITE FELIX GUYON (SAINT DENIS)"


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def etablissement(session, finess: str) -> Etablissement:
    session.expunge_all()
    return (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).one()


def renamed_copy(source, target, old: str, new: str):
    """The same etalab file where FINESS now sends ``new`` instead of ``old``."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


async def test_correction_survives_reimport_until_finess_changes(sessions, session, etalab_lines, tmp_path):
    # Given the etalab lines imported and support correcting the raison sociale of the CHU of La Réunion.
    await import_finess(sessions, etalab_lines)
    changed = await correct_finess_field(session, SUPPORT, entity="etablissement", finess=REUNION,
                                      data=FinessCorrection(field="raison_sociale", value="CHU FELIX GUYON",
                                                            motif="Nom d'usage"))
    assert changed and (await etablissement(session, REUNION)).raison_sociale == "CHU FELIX GUYON"

    # When FINESS sends the same file again, then the correction is kept.
    again = await import_finess(sessions, etalab_lines)
    assert again.etablissement.updated == 0 and again.corrections_kept == 1
    assert (await etablissement(session, REUNION)).raison_sociale == "CHU FELIX GUYON"

    # When FINESS sends a new name, then FINESS wins, the state is cleared and the event is audited.
    new_file = renamed_copy(etalab_lines, tmp_path / "cs1100502.csv", FINESS_NAME, "CHU FELIX GUYON - BELLEPIERRE")
    replaced = await import_finess(sessions, new_file)
    assert replaced.etablissement.updated == 1 and replaced.corrections_replaced == 1
    eg = await etablissement(session, REUNION)
    assert eg.raison_sociale == "CHU FELIX GUYON - BELLEPIERRE"
    state = (await session.exec(select(FinessFieldState).where(FinessFieldState.finess == REUNION))).one()
    assert not state.corrected and state.finess_value == "CHU FELIX GUYON - BELLEPIERRE"
    audit = (await session.exec(select(AuditLog).where(AuditLog.motif == REPLACED_MOTIF))).one()
    assert (audit.old_value, audit.new_value, audit.actor) == ("CHU FELIX GUYON", eg.raison_sociale, "finess-import")
    outbox = (await session.exec(select(Event.entity_id).where(Event.entity == "etablissement"))).all()
    assert eg.id in outbox


async def test_correction_is_audited_and_enqueues_the_eg_and_its_units(sessions, session, etalab_lines):
    await import_finess(sessions, etalab_lines)
    eg = await etablissement(session, REUNION)
    session.add(Unite(etablissement_id=eg.id, nom="Hémodialyse", champ_activite_code="01",
                      mode_prise_en_charge_code="01", age_min=18, age_max=120))
    await session.commit()
    last_outbox_id = max((await session.exec(select(Event.seq))).all())

    assert await correct_finess_field(session, SUPPORT, entity="etablissement", finess=REUNION,
                                      data=FinessCorrection(field="siret", value="20003001300011 ",
                                                            motif="SIRET vérifié")) is False
    assert await correct_finess_field(session, SUPPORT, entity="etablissement", finess=REUNION,
                                      data=FinessCorrection(field="latitude", value="-20.8889",
                                                            motif="Position vérifiée sur place"))
    audit = (await session.exec(select(AuditLog).where(AuditLog.field == "latitude"))).one()
    assert (audit.actor, audit.motif, audit.new_value) == ("support@ars.fr", "Position vérifiée sur place", "-20.8889")
    # A corrected commune moves the derived département / région with it.
    assert await correct_finess_field(session, SUPPORT, entity="etablissement", finess=REUNION,
                                      data=FinessCorrection(field="commune_code", value="97209",
                                                            motif="Erreur de saisie FINESS"))
    moved = await etablissement(session, REUNION)
    assert (moved.commune_code, moved.departement_code, moved.region_code) == ("97209", "972", "02")
    after = {(e.entity, e.entity_id)
             for e in (await session.exec(select(Event).where(Event.seq > last_outbox_id))).all()}
    unite_id = (await session.exec(select(Unite.id))).one()
    assert ("etablissement", eg.id) in after and ("unite", unite_id) in after


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"actor": Principal(kind="account", name="ref@eg.fr", role="referent", level=2)}, ForbiddenError, None),
    ({"motif": "  "}, BadInputError, "motif"),
    ({"field": "nom_operationnel"}, BadInputError, "field"),
    ({"field": "finess", "value": "970400032"}, BadInputError, "field"),
    ({"field": "siret", "value": "20003001300012"}, BadInputError, "value"),
    ({"field": "date_ouverture", "value": "13/02/1979"}, BadInputError, "value"),
    ({"field": "categorie_code", "value": "999"}, InvalidCodeError, "value"),
    ({"finess": "970400032"}, NotFoundError, "finess"),
    ({"field": "commune_code", "value": "97499"}, BadInputError, "value"),
])
async def test_invalid_corrections_change_nothing(sessions, session, etalab_lines, kwargs, error, field):
    await import_finess(sessions, etalab_lines)
    arguments = {"actor": SUPPORT, "entity": "etablissement", "finess": REUNION, "field": "raison_sociale",
                 "value": "X", "motif": "test"} | kwargs
    audit_before = len((await session.exec(select(AuditLog))).all())
    principal, entity, finess = arguments.pop("actor"), arguments.pop("entity"), arguments.pop("finess")
    with pytest.raises(error) as caught:
        await correct_finess_field(session, principal, entity=entity, finess=finess,
                                   data=FinessCorrection(**arguments))
    assert caught.value.field == field
    await session.rollback()
    assert len((await session.exec(select(AuditLog))).all()) == audit_before
    assert (await etablissement(session, REUNION)).raison_sociale == FINESS_NAME
