"""SQL of compiled reads kept as text: node expressions frozen once per plan, and the two ways to run them.

Building a nested JSON expression, and SQLAlchemy's cache key of it, cost about a millisecond each on
a nested page; a planned lookup's whole statement is compiled once (``compiled.Root.lookup``) and
then runs as text with its positional parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, literal_column, select

from ror_graph.db import PlannedReads


def frozen(expression: Any, table: Any, dialect: Any) -> Any:
    """``expression`` (a column of ``table``'s rows) as its SQL text, values inlined, for a cheap cache key.

    The text is cut out of ``SELECT <expression> AS node FROM <table>`` so that correlated
    subqueries are rendered against ``table`` as they will run; if the shape is not the expected
    one, the expression is kept as it is.
    """
    statement = select(expression.label("node")).select_from(table)
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    head, tail = "SELECT ", f" AS node \nFROM {table.name}"
    if not (sql.startswith(head) and sql.endswith(tail)) or "%" in sql:
        return expression
    return literal_column(sql[len(head):-len(tail)], type_=JSON)


async def fetch_sql(session: Any, sql: str, parameters: tuple) -> list:
    """Rows of SQL text in the dialect's positional parameter style (no statement to build nor cache)."""
    return list((await (await session.connection()).exec_driver_sql(sql, parameters)).all())


async def fetch_text(driver: PlannedReads | None, loaders: Any, sql: str, parameters: tuple) -> list:
    """Rows of a planned SQL text: through the driver (``db.driver_reads``) when the request has one, else
    on the request's session (``loaders.run``: statements never overlap on it)."""
    if driver is not None:
        return await driver.fetch(sql, parameters)
    return await loaders.run(fetch_sql, sql, parameters)


async def fetch(session: Any, statement: Any) -> list:
    """Rows of a Core statement on the session's connection (no ORM: the JSON needs no objects)."""
    return list((await (await session.connection()).execute(statement)).all())


def prepare(statement: Any, dialect: Any, store: dict, limit: int) -> tuple[str, tuple]:
    """``statement`` as SQL text and positional parameters (IN lists rendered); ``store`` is emptied
    when it holds ``limit`` entries, before the caller adds this one."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if len(store) >= limit:
        store.clear()
    return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup or ())


def enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def after_key(column: Any, id_column: Any, key: tuple[Any, int]) -> Any:
    """Keyset condition ``(key, id) > cursor``, as ``services.directory.pages`` writes it."""
    if column is id_column:
        return id_column > key[1]
    return (column > key[0]) | ((column == key[0]) & (id_column > key[1]))
