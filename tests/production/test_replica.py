"""Read replica: anonymous and API-client queries read the standby, writes and their readers the primary.

Given a real streaming replica (a primary cluster and a hot standby started by the test), the replay
on the standby is paused so that it visibly lags: then an anonymous query still shows the old value
(it was served by the replica), while the mutation's payload and the admin's next query show the new
one (primary: read-your-writes). Once replay resumes, the anonymous reader catches up.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.db import migrate
from ror_graph.settings import Settings, normalise_database_url
from tests.conftest import PG_URL
from tests.production.conftest import clean_env, cli
from tests.production.replica import ReplicaUnavailable, cluster_pair

ADMIN, PASSWORD = "admin@example.org", "un mot de passe solide"


async def sql(url: str, statement: str):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


async def graphql(http: httpx.AsyncClient, query: str, token: str | None = None, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text[:500]
    return answer.json()["data"]


NOM = "query($i: String!) { unite(identifiant: $i) { nom } }"


@pytest.fixture
def replicated(tmp_path: Path):
    if not PG_URL:
        pytest.skip("runs in the PostgreSQL pass of the suite (ROR_GRAPH_TEST_DATABASE_URL)")
    try:
        with cluster_pair() as (primary, standby):
            yield primary, standby
    except ReplicaUnavailable as exc:
        pytest.skip(f"cannot start a streaming replica here: {exc}")


async def test_queries_of_readers_go_to_the_replica_and_writers_read_their_writes(replicated, tmp_path):
    primary, standby = replicated
    # given a primary prepared by the CLI (schema, reference, demo, an admin) and its standby caught up
    await asyncio.to_thread(migrate, normalise_database_url(primary))
    env = clean_env(tmp_path / "var", ROR_GRAPH_DATABASE_URL=primary)
    for step in (["load-reference"], ["demo"],
                 ["create-account", "--email", ADMIN, "--role", "admin", "--password", PASSWORD]):
        await asyncio.to_thread(cli, env, *step, cwd=tmp_path)
    for _ in range(100):
        if await sql(standby, f"SELECT count(*) FROM account WHERE email = '{ADMIN}'"):
            break
        await asyncio.sleep(0.1)
    app = create_app(Settings(database_url=primary, database_read_url=standby, data_dir=tmp_path / "var",
                              meili_managed=False, secret_key="a-real-secret"))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http):
        token = (await graphql(http, "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
                                     "{ ... on LoginPayload { token } } }", e=ADMIN, p=PASSWORD))["login"]["token"]
        page = await graphql(http, "{ unites(first: 1) { nodes { identifiant nom version } } }")
        offer = page["unites"]["nodes"][0]
        # when the standby stops replaying and an admin renames the offer
        await sql(standby, "SELECT pg_wal_replay_pause()")
        try:
            renamed = await graphql(
                http, "mutation($i: String!, $v: Int!) { modifierUnite(identifiant: $i, version: $v, "
                      'input: {nom: "Nom écrit sur le primaire"}) { ... on UnitePayload { unite { nom } } } }',
                token, i=offer["identifiant"], v=offer["version"])
            # then the mutation's payload and the writer's next query show the new name (primary)
            assert renamed["modifierUnite"]["unite"]["nom"] == "Nom écrit sur le primaire"
            mine = await graphql(http, NOM, token, i=offer["identifiant"])
            assert mine["unite"]["nom"] == "Nom écrit sur le primaire"
            # and an anonymous query still reads the old one: it was served by the lagging replica
            theirs = await graphql(http, NOM, i=offer["identifiant"])
            assert theirs["unite"]["nom"] == offer["nom"]
        finally:
            await sql(standby, "SELECT pg_wal_replay_resume()")
        # when replay resumes, then the anonymous reader catches up
        for _ in range(100):
            if (await graphql(http, NOM, i=offer["identifiant"]))["unite"]["nom"] == "Nom écrit sur le primaire":
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the replica never caught up")
