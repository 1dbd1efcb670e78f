"""No N+1: the number of SQL statements of a nested query does not depend on the page size."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from ror_graph.models import Contact, EntiteJuridique, Etablissement, Lieu, Telecom, Unite, UniteLieu, coded
from tests.graphql.conftest import add, unite_codes

QUERY_NESTED = """
query($first: Int!) {
  etablissements(first: $first) {
    totalCount
    edges { node {
      finess categorie { label }
      unites {
        nom champActivite { label }
        activites { code label } publics { code }
        lieux { nom capacites { nombre } }
        contacts { nom telecoms { valeur } }
      }
    } }
  }
}
"""


@contextmanager
def counting(engine: AsyncEngine, driver: Any = None):
    """Collect the SQL statements sent through ``engine`` (and the planned reads' ``driver``, if given)
    while the block runs."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    if driver is not None:
        driver.listeners.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        if driver is not None:
            driver.listeners.remove(statements.append)


async def seed_etablissements(session, count: int) -> None:
    """``count`` EGs, each with 2 offers (activités, publics), a lieu and an offer contact with a phone."""
    ej = EntiteJuridique(finess="330000017", raison_sociale="Groupe")
    await add(session, ej)
    egs = [
        Etablissement(finess=f"33{n:07d}", entite_juridique_id=ej.id, raison_sociale=f"EG {n}", categorie_code="500")
        for n in range(count)
    ]
    await add(session, *egs)
    for eg in egs:
        lieu = Lieu(etablissement_id=eg.id, nom="Site", commune_code="33063")
        unites = [
            Unite(
                etablissement_id=eg.id,
                nom=f"Offre {k}",
                champ_activite_code="04",
                mode_prise_en_charge_code="09",
                age_min=0,
                age_max=120,
            )
            for k in range(2)
        ]
        await add(session, lieu, *unites)
        contact = Contact(etablissement_id=eg.id, unite_id=unites[0].id, nom="Accueil")
        await add(
            session,
            contact,
            *(UniteLieu(unite_id=u.id, lieu_id=lieu.id) for u in unites),
            *(row for u in unites for row in unite_codes(u.id, coded.UniteAttribute.activite, "003", "004")),
            *(row for u in unites for row in unite_codes(u.id, coded.UniteAttribute.public, "01")),
        )
        await add(session, Telecom(contact_id=contact.id, canal_code="2", valeur="0556000000", confidentialite=1))
    await session.commit()


async def test_statement_count_is_the_same_for_1_and_50_etablissements(session, engine, gql):
    # given 50 établissements with offers, activités, lieux, contacts and telecoms
    await seed_etablissements(session, 50)
    await gql("{ etablissements(first: 1) { totalCount } }")  # warm the app-wide label cache

    # when the same 3-level query asks for 1 then for 50 établissements
    counts = {}
    for first in (1, 50):
        with counting(engine) as statements:
            result = await gql(QUERY_NESTED, {"first": first})
        assert result.errors is None, result.errors
        assert len(result.data["etablissements"]["edges"]) == first
        counts[first] = len(statements)

    # then both cost the same statements: page, count, unités, codes, lieux, capacités, contacts, telecoms
    assert counts[1] == counts[50] == 8, counts
    nodes = [e["node"] for e in result.data["etablissements"]["edges"]]
    assert all(len(n["unites"]) == 2 for n in nodes)
    assert all(u["lieux"][0]["nom"] == "Site" for n in nodes for u in n["unites"])
    assert sum(len(u["contacts"]) for n in nodes for u in n["unites"]) == 50
