"""GraphQL: ``campagnes`` (progress, filterable EG list) and ``etablissement { campagne { statut echeance } }``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ror_graph.db import session_factory
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import ANONYMOUS
from ror_graph.services.suivi.validation_flow import valider_etablissement
from ror_graph.settings import Settings
from ror_graph.state import AppState
from tests.campagne.conftest import ECHEANCE
from tests.write.conftest import EG_A, EG_B

QUERY = """query($statut: StatutCampagne) {
  campagnes { nom echeance
    progression { departement categorie aFaire enCours validees enRetard total partValidees }
    etablissements(statut: $statut) { total items { statut etablissement { finess } } } }
  a: etablissement(finess: "EG_A") { campagne { statut echeance campagne { nom } } }
  b: etablissement(finess: "EG_B") { campagne { statut } }
}""".replace("EG_A", EG_A).replace("EG_B", EG_B)


@pytest.fixture
def gql(engine, database_url):
    state = AppState(settings=Settings(database_url=database_url, meili_managed=False), engine=engine,
                     sessions=session_factory(engine))

    async def run(query: str, variables: dict | None = None):
        async with state.sessions() as session:
            context = await make_context(state, session, ANONYMOUS)
            result = await schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data

    return run


async def test_campaigns_and_the_eg_status_in_graphql(session, world, campagne, gql):
    # given an open campaign over région 11 (EG A only) whose deadline has passed (real clock: 2026-06-30)
    data = await gql(QUERY, {"statut": None})
    [c] = data["campagnes"]
    assert c["nom"] == "Campagne 2026 Île-de-France" and c["echeance"].startswith("2026-06-30")
    late_or_todo = c["progression"][0]
    assert (late_or_todo["departement"], late_or_todo["categorie"], late_or_todo["total"]) == ("75", "500", 1)
    assert data["b"]["campagne"] is None  # Lyon is out of scope
    before = data["a"]["campagne"]["statut"]
    assert before in {"A_FAIRE", "EN_RETARD"}
    # when the directeur validates, the EG is VALIDEE everywhere and the filter follows
    await valider_etablissement(session, world.principal("directeur_a"), finess=EG_A,
                                now=ECHEANCE + timedelta(days=1))
    data = await gql(QUERY, {"statut": "VALIDEE"})
    [c] = data["campagnes"]
    assert data["a"]["campagne"] == {"statut": "VALIDEE", "echeance": c["echeance"],
                                     "campagne": {"nom": "Campagne 2026 Île-de-France"}}
    assert c["etablissements"] == {"total": 1, "items": [{"statut": "VALIDEE", "etablissement": {"finess": EG_A}}]}
    assert c["progression"][0]["validees"] == 1 and c["progression"][0]["partValidees"] == 1.0
    data = await gql(QUERY, {"statut": "A_FAIRE"})
    assert data["campagnes"][0]["etablissements"] == {"total": 0, "items": []}
