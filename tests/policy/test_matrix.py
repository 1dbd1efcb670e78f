"""The visibility matrix: caller profile × read channel × confidential item, every cell asserted.

The expected visibility is written here from the rules (README "Who sees what"), not computed by
the policy module, so a channel that forgets the policy, or a policy that drifts from the rules,
fails a cell. A control item (the public offer) must show wherever the channel answers at all, so a
channel that answers nothing cannot pass by hiding everything.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from openpyxl import load_workbook
from sqlmodel import select
from starlette.applications import Starlette

from ror_graph import web
from ror_graph.api.search import routes
from ror_graph.db import make_engine, session_factory
from ror_graph.models import Unite
from ror_graph.resolvers.context import make_context
from ror_graph.resolvers.search import close_clients
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import Caller
from ror_graph.settings import Settings
from ror_graph.state import AppState
from search_index.documents import build_document
from search_index.indexer import reindex
from search_index.reference import load_search_reference
from search_index.sources import load_sources
from tests.live import fresh_database_url
from tests.policy.matrix_world import EG_X, PUBLIC_UNIT, SENSITIVE_UNIT, insert_world, make_callers

# --- the rules, as a table ---------------------------------------------------------------------------

# profile: (confidentiality level, sees the sensitive offer of EG X, may read history and suivi of EG X)
PROFILES: dict[str, tuple[int, bool, bool]] = {
    "anonymous": (1, False, False),
    "public_token": (1, False, False),
    "professional_token": (2, False, False),
    "regulation_token": (3, True, False),
    "referent_in_scope": (2, True, True),
    "referent_out_of_scope": (2, False, False),
    "support": (3, True, True),
}
ITEMS: dict[str, str] = {  # item: marker
    "control_public_offer": "OFFRE-PUBLIQUE",
    "contact_level_2": "CONTACT-N2",
    "contact_level_3": "CONTACT-N3",
    "telecom_level_2": "0622222222",
    "telecom_level_3": "0633333333",
    "sensitive_unit": "OFFRE-SECRETE",
    "sensitive_unit_lieu": "LIEU-SECRET",
    "sensitive_unit_history": "AUDIT-SECRET",
}
PUBLIC_CHANNELS = ("search_documents", "api_search", "export_csv", "export_xlsx", "web_recherche", "web_fiche")
GRAPH_CHANNELS = ("graphql_nested", "graphql_root")
CHANNELS = (*GRAPH_CHANNELS, *PUBLIC_CHANNELS, "historique", "suivi")


def expected(profile: str, channel: str) -> dict[str, bool]:
    """What ``profile`` must find in ``channel``, item by item, from the rules."""
    level, sensitive, reader = PROFILES[profile]
    levels = {"contact_level_2": level >= 2, "contact_level_3": level >= 3,
              "telecom_level_2": level >= 2, "telecom_level_3": level >= 3}
    nothing = dict.fromkeys(ITEMS, False)
    if channel in GRAPH_CHANNELS:  # the caller's own view; no audit rows in the graph
        return {**nothing, "control_public_offer": True, **levels, "sensitive_unit": sensitive,
                "sensitive_unit_lieu": sensitive}
    if channel in PUBLIC_CHANNELS:  # the public profile, whoever asks; exports carry no contact at all
        return {**nothing, "control_public_offer": True}
    if channel == "historique":  # readers only, values cut to their level, hidden offers' rows absent
        return {**nothing, "control_public_offer": reader, **{k: reader and v for k, v in levels.items()},
                "sensitive_unit": reader and sensitive, "sensitive_unit_lieu": reader and sensitive,
                "sensitive_unit_history": reader and sensitive}
    assert channel == "suivi"  # readers only: the open offers they may see, no contact, lieu or history
    return {**nothing, "control_public_offer": reader, "sensitive_unit": reader and sensitive}


# --- the world: database + index built once for the module --------------------------------------------


@dataclass
class MatrixWorld:
    state: AppState
    callers: dict[str, Caller]


@pytest.fixture(scope="module")
async def matrix(database_template, _pg_engine, tmp_path_factory, meili) -> AsyncIterator[MatrixWorld]:
    url = await fresh_database_url(database_template, _pg_engine, tmp_path_factory.mktemp("matrix"))
    engine = make_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await insert_world(session)
        callers = await make_callers(session)
    uid = f"m_{uuid.uuid4().hex[:12]}"
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=uid)
    settings = Settings(database_url=url, meili_url=meili.url, meili_key=meili.master_key,
                        meili_index=uid, meili_managed=False)
    state = AppState(settings=settings, engine=engine, sessions=sessions, meili_url=meili.url,
                     meili_key=meili.master_key)
    yield MatrixWorld(state=state, callers=callers)
    await close_clients(state)
    await engine.dispose()


# --- the channels: each returns the text a caller gets ------------------------------------------------

NESTED = f"""{{ etablissement(finess: "{EG_X}") {{
  lieux {{ nom latitude equipements {{ id }} }}
  unites {{ nom lieux {{ nom }} contacts {{ nom telecoms {{ valeur }} }} }} }} }}"""
ROOT = f"""{{
  a: unite(identifiant: "{PUBLIC_UNIT}") {{ nom lieux {{ nom }} contacts {{ nom telecoms {{ valeur }} }} }}
  b: unite(identifiant: "{SENSITIVE_UNIT}") {{ nom lieux {{ nom }} contacts {{ nom }} }}
  unites(first: 50) {{ totalCount nodes {{ nom contacts {{ nom telecoms {{ valeur }} }} }} }}
  etablissements(first: 50, filter: {{activites: ["003"]}}) {{ nodes {{ lieux {{ nom }} }} }} }}"""
HISTORY = [f'{{ historique(entite: UNITE, cle: "{PUBLIC_UNIT}") {{ modifications {{ champ nouvelleValeur }} }} }}',
           f'{{ historique(entite: UNITE, cle: "{SENSITIVE_UNIT}") {{ modifications {{ champ nouvelleValeur }} }} }}',
           f'{{ historique(entite: ETABLISSEMENT, cle: "{EG_X}") {{ modifications {{ champ nouvelleValeur }} }} }}']
SUIVI = f'{{ suiviEtablissement(finess: "{EG_X}") {{ unites {{ nom }} }} }}'


async def _graphql(world: MatrixWorld, caller: Caller, query: str) -> str:
    """The ``data`` of ``query`` as JSON text (errors carry no data, so no marker)."""
    async with world.state.sessions() as session:
        context = await make_context(world.state, session, caller)
        result = await schema.execute(query, context_value=context)
    return json.dumps(result.data, ensure_ascii=False)


async def _search_documents(world: MatrixWorld) -> str:
    async with world.state.sessions() as session:
        ids = list(await session.exec(select(Unite.id)))
        ref = await load_search_reference(session)
        sources = await load_sources(session, ids)
    return json.dumps([build_document(s, ref) for s in sources.values()], ensure_ascii=False)


async def _http(world: MatrixWorld, path: str) -> httpx.Response:
    app = Starlette(routes=[*routes(world.state), *web.routes(world.state)])
    app.state.ror = world.state
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return response


def _xlsx_text(body: bytes) -> str:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True))


async def channel_output(world: MatrixWorld, caller: Caller, channel: str) -> str:
    if channel == "graphql_nested":
        return await _graphql(world, caller, NESTED)
    if channel == "graphql_root":
        return await _graphql(world, caller, ROOT)
    if channel == "search_documents":
        return await _search_documents(world)
    if channel == "api_search":
        return (await _http(world, "/api/search?q=&perPage=50")).text
    if channel == "export_csv":
        return (await _http(world, "/api/search.csv?q=")).content.decode("utf-8-sig")
    if channel == "export_xlsx":
        return _xlsx_text((await _http(world, "/api/search.xlsx?q=")).content)
    if channel == "web_recherche":  # the public search page (HTML)
        return (await _http(world, "/recherche")).text
    if channel == "web_fiche":  # the public fiche of EG X (HTML)
        return (await _http(world, f"/etablissement/{EG_X}")).text
    if channel == "historique":
        return " ".join([await _graphql(world, caller, q) for q in HISTORY])
    assert channel == "suivi"
    return await _graphql(world, caller, SUIVI)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("profile", list(PROFILES))
async def test_visibility_matrix(matrix: MatrixWorld, profile: str, channel: str) -> None:
    # given the caller of this profile, from its real bearer token
    caller = matrix.callers[profile]
    # when it reads the channel
    output = await channel_output(matrix, caller, channel)
    # then each confidential item is there exactly when the rules say so
    seen = {item: marker in output for item, marker in ITEMS.items()}
    assert seen == expected(profile, channel), output[:2000]
