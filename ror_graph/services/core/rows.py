"""Plain-row reads for the bulk readers (directory export, FHIR ``$export``): no ORM objects.

Both walk hundreds of thousands of rows; building ORM objects for them cost more than the SQL. Rows
come in the batch readers' order (the given order, then the primary key), so each export reads its
children in the order the GraphQL batch readers would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection


def table_rows(model: Any, *where: Any, order: Sequence[Any] = ()) -> Select:
    """``SELECT`` every column of ``model``'s table, in ``order`` then primary key."""
    table = model.__table__
    return select(table).where(*where).order_by(*order, *table.primary_key.columns)


async def fetch_rows(conn: AsyncConnection, statement: Select) -> list[Row]:
    """Every row of ``statement`` on ``conn``."""
    return list((await conn.execute(statement)).all())
