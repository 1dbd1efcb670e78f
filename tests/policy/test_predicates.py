"""The policy's Python predicates and its SQL clauses answer the same, for every kind of caller."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite, UniteLieu
from ror_graph.services.policy.visibility import lieu_visible, lieu_visible_to, unite_visible, unite_visible_to

ROLES = ["anonymous", "api_client", "referent_a", "directeur_a", "referent_b", "support", "admin"]


async def _sensitive_world(session, world) -> None:
    """Both offers made sensitive; EG A gets a lieu of its offer, a lieu of no offer; EG B a lieu of its offer."""
    for unite in (await session.exec(select(Unite))).all():
        unite.unite_sensible = True
    lieux = [Lieu(etablissement_id=eg, nom=name, commune_code="75056")
             for eg, name in ((world.eg_a, "A offre"), (world.eg_a, "A seul"), (world.eg_b, "B offre"))]
    session.add_all(lieux)
    await session.flush()
    units = {u.etablissement_id: u.id for u in (await session.exec(select(Unite))).all()}
    session.add_all([UniteLieu(unite_id=units[world.eg_a], lieu_id=lieux[0].id),
                     UniteLieu(unite_id=units[world.eg_b], lieu_id=lieux[2].id)])
    await session.commit()


@pytest.mark.parametrize("role", ROLES)
async def test_sql_clauses_and_python_predicates_agree(session, world, role):
    # given sensitive offers in EG A and EG B, and lieux used by them or by nothing
    await _sensitive_world(session, world)
    caller = world.callers[role]
    rows = (await session.exec(
        select(Unite, Etablissement.finess, EntiteJuridique.finess)
        .join(Etablissement, Etablissement.id == Unite.etablissement_id)
        .join(EntiteJuridique, EntiteJuridique.id == Etablissement.entite_juridique_id))).all()
    # when visibility is asked in SQL and in Python
    by_sql = set((await session.exec(select(Unite.id).where(unite_visible(caller)))).all())
    by_python = {u.id for u, eg, ej in rows
                 if unite_visible_to(caller, sensible=u.unite_sensible, eg_finess=eg, ej_finess=ej)}
    users = {lieu.id: [] for lieu in (await session.exec(select(Lieu))).all()}
    for lieu_id, unite_id in (await session.exec(select(UniteLieu.lieu_id, UniteLieu.unite_id))).all():
        users[lieu_id].extend((u.unite_sensible, eg, ej) for u, eg, ej in rows if u.id == unite_id)
    lieux_sql = set((await session.exec(select(Lieu.nom).where(lieu_visible(caller, Lieu.id)))).all())
    lieux = (await session.exec(select(Lieu))).all()
    lieux_python = {lieu.nom for lieu in lieux if lieu_visible_to(caller, users[lieu.id])}
    # then both agree, and they follow the rule: all for support/admin/regulation, own structure for A's accounts
    assert by_sql == by_python
    assert lieux_sql == lieux_python
    expected_units = {"anonymous": 0, "referent_b": 1, "referent_a": 1, "directeur_a": 1}.get(role, 2)
    assert len(by_sql) == expected_units
    sees_a = role in {"api_client", "referent_a", "directeur_a", "support", "admin"}
    assert "A seul" in lieux_sql and ("A offre" in lieux_sql) is sees_a
