"""No lost update: two writers holding the same version, one wins, the other gets CONFLICT."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from ror_graph.db import session_factory
from ror_graph.models import AuditLog, Etablissement, Unite
from ror_graph.services.core.errors import ConflictError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite
from tests.write.conftest import EG_A, count


async def test_sequential_writers_with_the_same_version(session, world):
    # given two people who both read version 1 of the EG
    referent, directeur = world.principal("referent_a"), world.principal("directeur_a")
    # when the first saves, then the second saves with the same version
    await update_etablissement(session, referent, finess=EG_A, version=1,
                               data=parse(EtablissementUpdate, {"nom_operationnel": "A"}))
    with pytest.raises(ConflictError) as error:
        await update_etablissement(session, directeur, finess=EG_A, version=1,
                                   data=parse(EtablissementUpdate, {"nom_operationnel": "B"}))
    # then the second learns the current version and the first edit survives, audited once
    assert error.value.current_version == 2
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == EG_A))).one()
    await session.refresh(eg)
    assert eg.nom_operationnel == "A" and eg.version == 2
    assert await count(session, "audit_log", field="nom_operationnel") == 1


@pytest.mark.parametrize("what", ["etablissement", "unite"])
async def test_truly_concurrent_writers(engine, world, what):
    # given two independent sessions (two connections) that read the same version
    sessions = session_factory(engine)
    referent, directeur = world.principal("referent_a"), world.principal("directeur_a")

    async def write(caller, value):
        async with sessions() as own:
            if what == "etablissement":
                call = update_etablissement(own, caller, finess=EG_A, version=1,
                                            data=parse(EtablissementUpdate, {"nom_operationnel": value}))
            else:
                call = update_unite(own, caller, identifiant=world.unite_a, version=1,
                                    data=parse(UniteUpdate, {"nom": value}))
            try:
                await call
                return value
            except ConflictError as exc:
                return exc

    # when both save at the same time
    results = await asyncio.gather(write(referent, "par le référent"), write(directeur, "par le directeur"))
    # then exactly one wins and the other gets CONFLICT with the winner's version
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].current_version == 2
    async with sessions() as check:
        if what == "etablissement":
            row = (await check.exec(select(Etablissement).where(Etablissement.finess == EG_A))).one()
            assert row.nom_operationnel == winners[0]
        else:
            row = (await check.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()
            assert row.nom == winners[0]
        assert row.version == 2
        audited = (await check.exec(select(AuditLog.new_value).where(
            AuditLog.field.in_(["nom_operationnel", "nom"])))).all()
        assert audited == [winners[0]]
