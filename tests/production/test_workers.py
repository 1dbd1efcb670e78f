"""Several workers, correct by construction: ``ror-graph serve --workers 2`` as an operator runs it.

Given a database prepared with the CLI (migrate, reference data, demo) and no ``ROR_GRAPH_SECRET_KEY``,
two worker processes must share one session key (and, on SQLite with the managed search, one
Meilisearch process), push each change to search exactly once between them, and stop cleanly on
SIGTERM. Run on SQLite with the managed Meilisearch, and on PostgreSQL (when the suite has one) with
an external Meilisearch.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from search_index.server import ManagedMeili, MeiliUnavailable
from tests.conftest import PG_URL
from tests.production.conftest import clean_env, cli, processes_using, serving, stop, wait_for, workers_of

PASSWORD = "un mot de passe solide"
ADMIN = "admin@example.org"
WRITES = 40
CSRF = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def fresh() -> httpx.Client:
    """A client that opens a new connection per request, so the kernel hands each one to either worker."""
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=30)


def admin_login(base: str) -> int:
    """Log in to the back office as a browser does; the status of the dashboard page afterwards."""
    with fresh() as http:
        page = http.get(f"{base}/admin/login")
        token = CSRF.search(page.text)
        assert token, page.text[:300]
        http.post(f"{base}/admin/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token[1]})
        home = http.get(f"{base}/admin/", follow_redirects=True)
        return home.status_code if "/admin/login" not in str(home.url) else 401


def graphql(base: str, query: str, token: str | None = None, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with fresh() as http:
        answer = http.post(f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text[:500]
    return answer.json()["data"]


def rename_all(base: str, token: str, identifiants: list[str], nom: str) -> None:
    """Rename each offer through GraphQL, reading its version first (one request each, either worker)."""
    for identifiant in identifiants:
        version = graphql(base, "query($i: String!) { unite(identifiant: $i) { version } }", token,
                          i=identifiant)["unite"]["version"]
        changed = graphql(base, "mutation($i: String!, $v: Int!, $n: String!) { modifierUnite(identifiant: $i, "
                                "version: $v, input: {nom: $n}) { __typename } }", token,
                          i=identifiant, v=version, n=nom)
        assert changed["modifierUnite"]["__typename"] == "UnitePayload", changed


SEARCH_LAG = ("SELECT coalesce(max(seq), 0) - coalesce((SELECT cursor FROM event_consumer WHERE name = 'search'), 0) "
              "FROM event_log")
LEASE = "SELECT lease_owner FROM event_consumer WHERE name = 'search'"


def sqlite_query(database: Path) -> Callable[[str], object]:
    def query(sql: str) -> object:
        with sqlite3.connect(database) as conn:
            row = conn.execute(sql).fetchone()
        return row[0] if row else None
    return query


def postgres_query(url: str) -> Callable[[str], object]:
    import asyncpg

    async def fetch(sql: str) -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return lambda sql: asyncio.run(fetch(sql))


def search(base: str, **params) -> dict:
    """A page of the app's public search (``/api/search``)."""
    answer = httpx.get(f"{base}/api/search", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def meili_get(meili: dict, path: str, **params) -> dict:
    answer = httpx.get(f"{meili['url']}{path}", params=params,
                       headers={"Authorization": f"Bearer {meili['master_key']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(params=["sqlite-managed-search", "postgresql-external-search"])
def deployment(request, tmp_path) -> Iterator[dict]:
    """Environment, database reader and Meilisearch of one way to deploy (the PostgreSQL one needs a server)."""
    data = tmp_path / "var"
    if request.param.startswith("sqlite"):
        yield {"env": clean_env(data), "query": sqlite_query(data / "ror_graph.sqlite3"), "managed": True,
               "meili": lambda: {**json.loads((data / "meilisearch" / "server.json").read_text()),
                                 "url": "http://127.0.0.1:" + str(json.loads(
                                     (data / "meilisearch" / "server.json").read_text())["port"])}}
        return
    if not PG_URL:
        pytest.skip("set ROR_GRAPH_TEST_DATABASE_URL to run on PostgreSQL")
    try:
        meili = ManagedMeili(tmp_path / "external-meili").start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch: {exc}")
    server = make_url(PG_URL)
    name = f"rg_workers_{uuid.uuid4().hex[:8]}"
    admin = postgres_query(server.render_as_string(hide_password=False))
    admin(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield {"env": clean_env(data, ROR_GRAPH_DATABASE_URL=url, ROR_GRAPH_MEILI_URL=meili.url,
                                ROR_GRAPH_MEILI_KEY=meili.master_key),
               "query": postgres_query(url), "managed": False,
               "meili": lambda: {"url": meili.url, "master_key": meili.master_key}}
    finally:
        meili.stop()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_workers_share_sessions_and_index_each_change_once(deployment, tmp_path):
    env, query = deployment["env"], deployment["query"]
    data = Path(env["ROR_GRAPH_DATA_DIR"])
    # given a database prepared by the CLI, with an admin account and no configured session key
    for step in (["migrate"], ["load-reference"], ["demo"],
                 ["create-account", "--email", ADMIN, "--role", "admin", "--password", PASSWORD]):
        cli(env, *step, cwd=tmp_path)
    # when it is served by two worker processes
    with serving(env, "--workers", "2", cwd=tmp_path) as (base, server):
        workers = wait_for(lambda: len(workers_of(server.pid)) >= 2 and workers_of(server.pid), "two workers")
        assert len(workers) == 2
        wait_for(lambda: query(SEARCH_LAG) == 0, "the demo to be indexed")
        # then (managed search) one Meilisearch process serves the data directory, whichever worker started it
        if deployment["managed"]:
            assert len(processes_using(str(data / "meilisearch"))) == 1
        # and both workers sign sessions with the one key kept in the data directory (owner-only file)
        assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [admin_login(base) for _ in range(8)] == [200] * 8

        # when 40 offers are renamed through the API (requests spread over both workers); the first
        # change of an EG also updates its statut (an EG event re-sends all its offers), so a first round
        # of renames goes before the one counted
        # (read through the public search: the documents sit in the national index or in its recent index)
        meili = deployment["meili"]()
        public = [h["identifiant"] for h in search(base, perPage=WRITES)["hits"]]
        token = graphql(base, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) '
                              '{ ... on LoginPayload { token } } }', e=ADMIN, p=PASSWORD)["login"]["token"]
        rename_all(base, token, public, "Offre renommée")
        wait_for(lambda: query(SEARCH_LAG) == 0, "the first renames to be indexed")
        before = meili_get(meili, "/tasks", limit=1)["results"][0]["uid"]
        rename_all(base, token, public, "Offre nommée deux fois")
        # then each change reaches Meilisearch exactly once: 40 documents sent in all, not 80
        wait_for(lambda: query(SEARCH_LAG) == 0, "the changes to be indexed")
        additions = lambda: meili_get(meili, "/tasks", types="documentAdditionOrUpdate", limit=1000)["results"]  # noqa: E731
        wait_for(lambda: all(t["status"] in {"succeeded", "failed"} for t in additions()), "Meilisearch to index")
        sent = [(t["uid"], t["details"]["receivedDocuments"]) for t in additions() if t["uid"] > before]
        assert sum(n for _, n in sent) == len(public) == WRITES, sent
        renamed = search(base, q="Offre nommée deux fois", perPage=1)
        assert renamed["total"] >= WRITES

        # when an operator runs sync-search next to the server, then it uses the server's Meilisearch
        if deployment["managed"]:
            assert "still pending 0" in cli(env, "sync-search", cwd=tmp_path).stderr
            assert len(processes_using(str(data / "meilisearch"))) == 1

        # when the server gets SIGTERM, then it exits cleanly, leaves no lease and no Meilisearch behind
        assert stop(server) == 0
    assert query(LEASE) is None
    if deployment["managed"]:
        wait_for(lambda: not processes_using(str(data / "meilisearch")), "Meilisearch to stop", timeout=30)
