"""Authorisation matrix of the write services: role × mutation × (own EG, other EG, FINESS-locked field).

Each case asserts the exact outcome (accepted, or the error code) and, for refused calls, that not a
single row changed anywhere the write path can touch (data, audit, outbox).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from ror_graph.models import Etablissement, Unite
from ror_graph.services.core.errors import DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate, EtablissementValidation
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.suivi.validation_flow import valider_etablissement
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate
from ror_graph.services.unite.lieux import CapaciteInput, LieuInput
from ror_graph.services.unite.write import create_unite, fermer_unite, update_unite
from tests.write.conftest import EG_A, EG_B, fingerprint

UNIT = {"nom": "Accueil de jour", "champ_activite_code": "04", "mode_prise_en_charge_code": "47",
        "activites": ["003"], "age_min": 60, "age_max": 120, "unite_sensible": False}
AUTHORISED_CAPACITY = [LieuInput(commune_code="75056", capacites=[CapaciteInput(nature_code="02", statut_code="09",
                                                                                 nombre=10)])]
MUTATIONS = ("modifier_etablissement", "creer_unite", "modifier_unite", "fermer_unite", "valider_etablissement")
ROLES = ("anonymous", "api_client", "referent_a", "directeur_a", "support", "admin")
TARGETS = ("own", "other", "finess_locked")


def expected(role: str, mutation: str, target: str) -> str | None:
    """The rule table (DESIGN §2) written out: None = accepted, else the error code."""
    if role == "anonymous":
        return "UNAUTHENTICATED"
    if role == "api_client":
        return "FORBIDDEN"
    scoped = role in {"referent_a", "directeur_a"}
    if target == "other" and scoped:
        return "FORBIDDEN"
    if mutation == "valider_etablissement" and role == "referent_a":
        return "FORBIDDEN"
    if target == "finess_locked":
        return "FINESS_LOCKED"
    return None


async def run(session, world, role: str, mutation: str, target: str) -> str | None:
    caller = world.principal(role)
    eg_finess = EG_B if target == "other" else EG_A
    identifiant = world.unite_b if target == "other" else world.unite_a
    locked = target == "finess_locked"
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == eg_finess))).one()
    unite = (await session.exec(select(Unite).where(Unite.identifiant == identifiant))).one()
    try:
        if mutation == "modifier_etablissement":
            changes = {"raison_sociale": "Renamed"} if locked else {"nom_operationnel": "Les Tilleuls"}
            await update_etablissement(session, caller, finess=eg_finess, version=eg.version,
                                       data=parse(EtablissementUpdate, changes))
        elif mutation == "creer_unite":
            data = {**UNIT, "lieux": AUTHORISED_CAPACITY} if locked else UNIT
            await create_unite(session, caller, finess=eg_finess, data=parse(UniteCreate, data))
        elif mutation == "modifier_unite":
            changes = {"lieux": AUTHORISED_CAPACITY} if locked else {"nom": "Hébergement renommé"}
            await update_unite(session, caller, identifiant=identifiant, version=unite.version,
                               data=parse(UniteUpdate, changes))
        elif mutation == "fermer_unite":
            await fermer_unite(session, caller, identifiant=identifiant, version=unite.version,
                               data=UniteClosure(date_fermeture=date(2026, 3, 1), type_fermeture_code="DEF"))
        else:
            motif = "Directeur absent" if role in {"support", "admin"} else None
            await valider_etablissement(session, caller, finess=eg_finess, data=EtablissementValidation(motif=motif))
    except DomainError as exc:
        return exc.code
    return None


CASES = [
    (role, mutation, target)
    for role in ROLES for mutation in MUTATIONS for target in TARGETS
    # closing and validating carry no field at all, so there is no FINESS-locked variant of them
    if not (target == "finess_locked" and mutation in {"fermer_unite", "valider_etablissement"})
]


@pytest.mark.parametrize(("role", "mutation", "target"), CASES)
async def test_matrix(session, world, role, mutation, target):
    # given the two établissements and their offers
    before = await fingerprint(session)
    # when the role attempts the mutation on the target
    outcome = await run(session, world, role, mutation, target)
    after = await fingerprint(session)
    # then the outcome is the one the rules give
    assert outcome == expected(role, mutation, target)
    if outcome is not None:
        # and a refused call changed nothing at all
        assert after == before
    else:
        # and an accepted call wrote audit rows and at least one search-outbox row
        assert len(after["audit_log"]) > len(before["audit_log"])
        assert len(after["event_log"]) > len(before["event_log"])
