"""Property-based fuzzing of the HTTP API: whatever a client sends, never a 500, always a JSON answer,
and a refused write changes nothing.

Over ``POST``/``GET /graphql`` (random JSON bodies, random or malformed documents, huge numbers,
unicode, NUL characters, wrong variable types, deep nesting, many aliases), ``/api/search`` (random
parameters, against a real Meilisearch) and random mutation documents from an anonymous and a
référent caller (with a checksum of every table around each refused write): 2,200 cases.

The app runs in its own thread and event loop (``LiveApp``) because Hypothesis drives synchronous
tests; requests go through the in-process ASGI transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import math
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from ror_graph.app import create_app
from ror_graph.db import make_engine, session_factory
from ror_graph.schema.root import schema
from ror_graph.services.accounts.accounts import create_account, login
from ror_graph.settings import Settings
from search_index.params import KNOWN
from search_index.server import ManagedMeili, MeiliUnavailable
from tests.live import REFERENCE_TABLES, fresh_database_url
from tests.write.conftest import EG_A, EG_B, EJ_A, EJ_B, _insert_eg, _insert_unite

pytestmark = pytest.mark.meili

# Written on purpose by refused requests or in the background, so left out of the checksum: the search
# consumer's cursor and lease (the worker drains the event log at any time) and the login throttle's
# counters (a refused password check is counted: that is the brute-force protection, tested on its own).
BOOKKEEPING_TABLES = {"event_consumer", "login_throttle"}
FUZZ = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])
GRAPHQL = schema._schema  # graphql-core's schema: field, argument and input names to fuzz with


class LiveApp:
    """The real app (lifespan run) in a thread with its own event loop, called synchronously."""

    def __init__(self, app_settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-app", daemon=True)
        self.thread.start()
        self.stack = contextlib.AsyncExitStack()
        self.app = create_app(app_settings)
        self.http: httpx.AsyncClient = self.call(self._open())
        self.last_checksum: str | None = None

    async def _open(self) -> httpx.AsyncClient:
        await self.stack.enter_async_context(self.app.router.lifespan_context(self.app))
        transport = httpx.ASGITransport(app=self.app)
        return await self.stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://t"))

    def call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=120)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One fuzz case: the answer is never a 5xx, and any 4xx comes with a JSON object."""
        response = self.call(self.http.request(method, url, **kwargs))
        assert response.status_code < 500, (response.status_code, response.text[:500])
        if response.status_code >= 400:
            assert isinstance(response.json(), dict), response.text[:500]
        return response

    def graphql(self, method: str, **kwargs: Any) -> dict:
        """A GraphQL case: a JSON object, and no masked unexpected error (code INTERNAL) inside."""
        body = self.request(method, "/graphql", **kwargs).json()
        assert isinstance(body, dict)
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
        assert "INTERNAL" not in codes, body
        return body

    def checksum(self, *, cached: bool = False) -> str:
        """The tables' checksum; ``cached``: the one computed last (only the API writes to this database)."""
        if not cached or self.last_checksum is None:
            self.last_checksum = self.call(self._checksum())
        return self.last_checksum

    async def _checksum(self) -> str:
        """Every row of every table, but: the big reference tables (loaded, never written by the API) by
        count; ``BOOKKEEPING_TABLES`` and the tokens' ``last_used_at`` (a read, not a write) left out."""
        digest = hashlib.sha256()
        async with self.app.state.ror.engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if table.name in BOOKKEEPING_TABLES:
                    continue
                if table.name in REFERENCE_TABLES:
                    rows = [(await conn.execute(select(func.count()).select_from(table))).scalar_one()]
                else:
                    columns = [c for c in table.columns if not c.name.startswith("last_used")]
                    rows = sorted(repr(tuple(row)) for row in (await conn.execute(select(*columns))).all())
                digest.update(f"{table.name}{rows}".encode())
        return digest.hexdigest()

    def close(self) -> None:
        self.call(self.stack.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _fuzz_database(database_template: str, pg_engine: Any, directory: Any) -> tuple[str, str, list[str]]:
    """A private database with two EG/offer pairs and a référent of EG A; returns (url, token, offers)."""
    url = await fresh_database_url(database_template, pg_engine, directory)
    engine = make_engine(url)
    async with session_factory(engine)() as session:
        eg_a = await _insert_eg(session, EJ_A, EG_A, "75", "11")
        eg_b = await _insert_eg(session, EJ_B, EG_B, "69", "84")
        offers = [await _insert_unite(session, eg_a, "11"), await _insert_unite(session, eg_b, "84")]
        await session.commit()
        await create_account(session, email="referent.fuzz@example.fr", password="Referent-Fuzz-2026",
                             role="referent", scopes=[("eg", EG_A)])
        token, _ = await login(session, "referent.fuzz@example.fr", "Referent-Fuzz-2026")
    await engine.dispose()
    return url, token, offers


@pytest.fixture(scope="module")
async def fuzz_world(database_template, _pg_engine, tmp_path_factory) -> Any:
    folder = tmp_path_factory.mktemp("fuzz")
    url, token, offers = await _fuzz_database(database_template, _pg_engine, folder)
    try:
        meili = await asyncio.to_thread(ManagedMeili(folder / "meili").start)
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch binary: {exc}")
    return url, token, offers, meili


@pytest.fixture(scope="module")
def live(fuzz_world) -> Iterator[tuple[LiveApp, str, list[str]]]:
    url, token, offers, meili = fuzz_world
    app = LiveApp(Settings(database_url=url, meili_managed=False, meili_url=meili.url, meili_key=meili.master_key,
                           meili_index=f"fuzz_{uuid.uuid4().hex[:8]}"))
    try:
        for _ in range(600):  # the worker creates the index shortly after start-up
            if app.call(app.http.get("/api/search")).status_code == 200:
                break
            app.call(asyncio.sleep(0.05))
        yield app, token, offers
    finally:
        app.close()
        meili.stop()


# --- values -----------------------------------------------------------------------------------------

NAMES = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,10}", fullmatch=True)
NASTY_TEXT = st.sampled_from(["\x00", "49\x00", "\ud800", "ЁЖ €", "😀", "", " ", "'; DROP TABLE unite; --", "%",
                              "\\", '"', "440000024", EG_A, EG_B, "11/1", "75056", "2A004", "x" * 3000, "a,b,,c"])
TEXT = st.text(max_size=30) | NASTY_TEXT
NUMBERS = (st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([0, -1, 2**31, 2**31 - 1, 10**400])
           | st.floats(allow_nan=True, allow_infinity=True))
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
)


class Bare(str):
    """A token written as is in a GraphQL document (an enum value, a variable)."""


def literal(value: Any) -> str:
    """``value`` as a GraphQL literal (strings JSON-escaped, which GraphQL reads the same way)."""
    if isinstance(value, Bare):
        return str(value)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "1e999"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    pairs = ", ".join(f"{k if k.isidentifier() else 'k'}: {literal(v)}" for k, v in value.items())
    return "{" + pairs + "}"


@functools.cache
def typed_values(kind: GraphQLInputType, depth: int = 0) -> st.SearchStrategy:
    """Values mostly of the right GraphQL type (so that resolvers run), sometimes of any type."""
    if isinstance(kind, GraphQLNonNull):
        return typed_values(kind.of_type, depth)
    if isinstance(kind, GraphQLList):
        return st.lists(typed_values(kind.of_type, depth + 1), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        right = st.sampled_from([Bare(name) for name in kind.values])
    elif isinstance(kind, GraphQLInputObjectType) and depth < 4:
        right = st.fixed_dictionaries({}, optional={name: typed_values(field.type, depth + 1)
                                                    for name, field in kind.fields.items()})
    elif isinstance(kind, GraphQLScalarType) and kind.name in {"Int", "Float"}:
        right = NUMBERS
    elif isinstance(kind, GraphQLScalarType) and kind.name in {"Date", "DateTime", "Time"}:
        right = st.sampled_from(["2026-01-15", "2026-02-30", "2026-01-15T09:00:00Z", "25:61", "09:00:00", "x"])
    elif isinstance(kind, GraphQLScalarType) and kind.name == "Boolean":
        right = st.booleans()
    else:
        right = TEXT | st.sampled_from(["01", "02", "003", "04", "46", "500", "PRO", "11/1"])
    return st.one_of(right, right, right, SCALARS)


@functools.cache
def arguments(owner: str, name: str, pinned: tuple[tuple[str, st.SearchStrategy], ...] = ()) -> st.SearchStrategy:
    """``(name: value, …)`` for the field ``owner.name``: typed values for a random subset of its arguments."""
    field = GRAPHQL.type_map[owner].fields[name]  # type: ignore[union-attr]
    strategies = {name: dict(pinned).get(name, typed_values(arg.type)) for name, arg in field.args.items()}
    if not strategies:
        return st.just("")
    required = {n: v for n, v in strategies.items() if isinstance(field.args[n].type, GraphQLNonNull)
                and field.args[n].default_value is Undefined}
    optional = {n: v for n, v in strategies.items() if n not in required}
    # half of the time every required argument is there (the field runs), else any subset (it may not)
    chosen = st.fixed_dictionaries(required, optional=optional) | st.fixed_dictionaries({}, optional=strategies)
    return chosen.map(lambda args: "(" + ", ".join(f"{k}: {literal(v)}" for k, v in args.items()) + ")" if args else "")


# --- documents --------------------------------------------------------------------------------------

ALL_FIELDS = sorted({name for t in GRAPHQL.type_map.values() if hasattr(t, "fields") and not t.name.startswith("__")
                     for name in getattr(t, "fields", {})})
ALIASES = st.one_of(st.just(""), NAMES.map(lambda n: f"{n}: "))


@st.composite
def selection(draw: Any, parent: Any, depth: int = 0) -> str:
    """A selection on ``parent`` (mostly real fields with typed arguments, sometimes anything)."""
    fields = dict(getattr(parent, "fields", None) or {})
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if not fields or draw(st.integers(0, 9)) == 0:
            parts.append(draw(ALIASES) + draw(st.sampled_from([*ALL_FIELDS, "__typename", "inconnu"])))
            continue
        name = draw(st.sampled_from(sorted(fields)))
        field = fields[name]
        head = draw(ALIASES) + name + draw(arguments(parent.name, name))
        target = field.type
        while hasattr(target, "of_type"):
            target = target.of_type
        if hasattr(target, "fields") and depth < 3:
            parts.append(head + " { " + draw(selection(target, depth + 1)) + " }")
        elif hasattr(target, "types"):  # a union: its type name only
            parts.append(head + " { __typename }")
        else:
            parts.append(head)
    return " ".join(parts)


QUERIES = selection(GRAPHQL.query_type).map(lambda s: "{ " + s + " }")
DEEP = st.integers(5, 400).map(lambda n: '{ unite(identifiant: "11/1") { ' + "etablissement { unites { " * n
                               + "nom" + " } }" * n + " } }")
ALIASED = st.integers(20, 300).map(lambda n: "{ " + " ".join(f'a{i}: commune(code: "75056") {{ nom }}'
                                                             for i in range(n)) + " }")
MALFORMED = st.text(max_size=200) | st.sampled_from(["{", "}", "{ etablissement(finess: ) }", "query ($: Int) { x }",
                                                     '{ a: __typename @skip(if: "x") }', "{ ...F }", "#", "\x00"])
DOCUMENTS = QUERIES | DEEP | ALIASED | MALFORMED
TYPED_QUERY = """query Q($f: String!, $n: Int!, $filter: EtablissementFilter, $near: SearchNear, $q: String) {
  etablissement(finess: $f) { finess }
  etablissements(first: $n, filter: $filter) { totalCount nodes { finess } }
  searchOffres(query: $q, near: $near) { total hits { identifiant } }
}"""


def no_surrogates(value: Any) -> bool:
    """Query strings (GET) cannot carry lone surrogates: httpx refuses to encode them client-side."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return False
    return True


@settings(FUZZ, max_examples=600)
@given(body=JSON_VALUES | st.fixed_dictionaries({}, optional={
    "query": DOCUMENTS | SCALARS, "variables": JSON_VALUES, "operationName": SCALARS | st.just("Q"),
    "extensions": JSON_VALUES}) | st.binary(max_size=200).map(lambda b: Bare(b.decode("latin-1"))))
def test_random_json_bodies_on_post_graphql(live, body):
    app, _, _ = live
    content = body.encode("latin-1") if isinstance(body, Bare) else json.dumps(body)
    app.graphql("POST", content=content, headers={"content-type": "application/json"})


@settings(FUZZ, max_examples=450)
@given(document=DOCUMENTS, variables=st.none() | JSON_VALUES, by_get=st.booleans())
def test_random_documents_by_post_and_get(live, document, variables, by_get):
    app, token, _ = live
    if by_get and no_surrogates([document, variables]):
        params = {"query": document, **({"variables": json.dumps(variables)} if variables is not None else {})}
        app.graphql("GET", params=params)
    else:
        app.graphql("POST", content=json.dumps({"query": document, "variables": variables}),
                    headers={"content-type": "application/json", "authorization": f"Bearer {token}"})


@settings(FUZZ, max_examples=350)
@given(variables=st.fixed_dictionaries({}, optional={
    "f": TEXT | SCALARS, "n": NUMBERS | SCALARS, "q": JSON_VALUES, "filter": JSON_VALUES,
    "near": st.fixed_dictionaries({"lat": NUMBERS, "lon": NUMBERS, "radiusKm": NUMBERS}) | JSON_VALUES}))
def test_wrong_variable_types(live, variables):
    app, _, _ = live
    app.graphql("POST", content=json.dumps({"query": TYPED_QUERY, "variables": variables}),
                headers={"content-type": "application/json"})


@settings(FUZZ, max_examples=450)
@given(params=st.lists(st.tuples(st.sampled_from(sorted(KNOWN)) | st.text(max_size=8),
                                 TEXT | NUMBERS.map(str) | st.sampled_from(["1,2,3", "-1", "1e9", "NaN", "48.8"])),
                       max_size=6).filter(no_surrogates),
       export=st.sampled_from(["/api/search", "/api/search", "/api/search.csv"]))
def test_random_search_parameters(live, params, export):
    app, _, _ = live
    response = app.request("GET", export, params=params)
    if response.status_code == 200 and export == "/api/search":
        assert isinstance(response.json()["hits"], list)


def test_fields_sharing_the_session_concurrently(live):
    app, _, _ = live
    # when an EG's follow-up and an EJ are asked for in one query (two root fields run concurrently)
    document = (f'{{ s: suiviEtablissement(finess: "{EG_A}") {{ aMettreAJour }} '
                f'e: entiteJuridique(finess: "{EJ_A}") {{ finess }} }}')
    for _ in range(5):
        body = app.graphql("POST", content=json.dumps({"query": document}),
                           headers={"content-type": "application/json"})
        # then the follow-up is refused (anonymous) and that is the only error: no INTERNAL, no 5xx
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


MUTATION_FIELDS = {name: field for name, field in GRAPHQL.mutation_type.fields.items()
                   if name not in {"login", "logout"}}  # these two write by design (sessions), not refused writes


@st.composite
def mutation_document(draw: Any, offers: list[str]) -> str:
    name = draw(st.sampled_from(sorted(MUTATION_FIELDS)))
    pinned = (("finess", st.sampled_from([EG_A, EG_B, EJ_A]) | TEXT), ("identifiant", st.sampled_from(offers) | TEXT),
              ("version", st.integers(0, 3) | NUMBERS))
    args = draw(arguments("Mutation", name, pinned))
    return f"mutation {{ {name}{args} {{ __typename ... on Error {{ code }} }} }}"


def refused(body: dict) -> bool:
    data = body.get("data")
    return bool(body.get("errors")) or not data or any(str((v or {}).get("__typename", "")).endswith("Error")
                                                       for v in data.values())


@settings(FUZZ, max_examples=350)
@given(data=st.data(), as_referent=st.booleans())
def test_random_mutations_change_nothing_when_refused(live, data, as_referent):
    app, token, offers = live
    document = data.draw(mutation_document(offers))
    before = app.checksum(cached=True)
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if as_referent else {})}
    body = app.graphql("POST", content=json.dumps({"query": document}), headers=headers)
    if "data" not in body:  # refused before execution (syntax, validation): nothing ran
        assert body["errors"]
    elif refused(body):  # executed, and refused: not a row changed
        assert app.checksum() == before, (document, body)
    else:  # an accepted write: the new state is the reference of the next case
        app.checksum()
