"""Several workers, correct by construction: ``ror-graph serve --workers 2`` as an operator runs it.

Given a data directory prepared with the CLI (migrate, reference data, demo) and no
``ROR_GRAPH_SECRET_KEY``, two worker processes must share one managed Meilisearch and one session key,
push each change to search exactly once between them, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx

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


def search_lag(database: Path) -> int:
    """Events the search consumer has not processed yet, read straight from the SQLite file."""
    with sqlite3.connect(database) as conn:
        cursor = conn.execute("SELECT cursor FROM event_consumer WHERE name = 'search'").fetchone()
        newest = conn.execute("SELECT max(seq) FROM event_log").fetchone()[0] or 0
    return newest - (cursor[0] if cursor else 0)


def meili_get(meili: dict, path: str, **params) -> dict:
    answer = httpx.get(f"http://127.0.0.1:{meili['port']}{path}", params=params,
                       headers={"Authorization": f"Bearer {meili['master_key']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_two_workers_share_search_sessions_and_index_each_change_once(tmp_path):
    import json

    # given a data directory prepared by the CLI, with an admin account and no configured session key
    data = tmp_path / "var"
    env = clean_env(data)
    for step in (["migrate"], ["load-reference"], ["demo"],
                 ["create-account", "--email", ADMIN, "--role", "admin", "--password", PASSWORD]):
        cli(env, *step, cwd=tmp_path)
    # when it is served by two worker processes with the managed Meilisearch
    with serving(env, "--workers", "2", cwd=tmp_path) as (base, server):
        workers = wait_for(lambda: len(workers_of(server.pid)) >= 2 and workers_of(server.pid), "two workers")
        # then one Meilisearch process serves the data directory, whichever worker started it
        wait_for(lambda: search_lag(data / "ror_graph.sqlite3") == 0, "the demo to be indexed")
        assert len(processes_using(str(data / "meilisearch"))) == 1
        assert len(workers) == 2
        # and both workers sign sessions with the one key kept in the data directory (owner-only file)
        assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [admin_login(base) for _ in range(8)] == [200] * 8

        # when 40 offers are renamed through the API (requests spread over both workers); the first
        # change of an EG also updates its statut (an EG event re-sends all its offers), so a first round
        # of renames goes before the one counted
        meili = json.loads((data / "meilisearch" / "server.json").read_text())
        public = meili_get(meili, "/indexes/offres/documents", limit=WRITES, fields="identifiant")["results"]
        token = graphql(base, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) '
                              '{ ... on LoginPayload { token } } }', e=ADMIN, p=PASSWORD)["login"]["token"]
        rename_all(base, token, [doc["identifiant"] for doc in public], "Offre renommée")
        wait_for(lambda: search_lag(data / "ror_graph.sqlite3") == 0, "the first renames to be indexed")
        before = meili_get(meili, "/tasks", limit=1)["results"][0]["uid"]
        rename_all(base, token, [doc["identifiant"] for doc in public], "Offre nommée deux fois")
        # then each change reaches Meilisearch exactly once: 40 documents sent in all, not 80
        wait_for(lambda: search_lag(data / "ror_graph.sqlite3") == 0, "the changes to be indexed")
        wait_for(lambda: all(t["status"] in {"succeeded", "failed"} for t in meili_get(
            meili, "/tasks", types="documentAdditionOrUpdate", limit=1000)["results"]), "Meilisearch to index")
        sent = [(t["uid"], t["details"]["receivedDocuments"])
                for t in meili_get(meili, "/tasks", types="documentAdditionOrUpdate", limit=1000)["results"]
                if t["uid"] > before]
        assert sum(n for _, n in sent) == len(public) == WRITES, sent
        renamed = meili_get(meili, "/indexes/offres/search", q="Offre nommée deux fois", limit=0)
        assert renamed["estimatedTotalHits"] >= WRITES

        # when the server gets SIGTERM, then it exits cleanly, leaves no lease and no Meilisearch behind
        assert stop(server) == 0
    with sqlite3.connect(data / "ror_graph.sqlite3") as conn:
        assert conn.execute("SELECT lease_owner FROM event_consumer WHERE name = 'search'").fetchone() == (None,)
    wait_for(lambda: not processes_using(str(data / "meilisearch")), "Meilisearch to stop", timeout=30)
