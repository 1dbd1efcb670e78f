"""Relay-style connection types of the établissement and offer lists."""

from __future__ import annotations

import strawberry

from ror_graph.schema.etablissement import EtablissementType
from ror_graph.schema.unite import UniteType


@strawberry.type(name="PageInfo", description="Where a page stands in its list.")
class PageInfoType:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (the request had an `after` cursor)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass it as `after` for the next page."
    )


@strawberry.type(name="EtablissementEdge", description="An établissement in a list, with its cursor.")
class EtablissementEdge:
    node: EtablissementType = strawberry.field(description="The établissement.")
    cursor: str = strawberry.field(description="Opaque cursor of this position.")


@strawberry.type(name="EtablissementConnection", description="A page of établissements.")
class EtablissementConnection:
    edges: list[EtablissementEdge] = strawberry.field(description="The établissements of the page with their cursors.")
    nodes: list[EtablissementType] = strawberry.field(description="The établissements of the page.")
    page_info: PageInfoType = strawberry.field(description="Pagination state.")

    @strawberry.field(description="Number of établissements matching the filter (computed only when selected).")
    async def total_count(self) -> int:
        return await self.count()  # type: ignore[attr-defined]


@strawberry.type(name="UniteEdge", description="An offer in a list, with its cursor.")
class UniteEdge:
    node: UniteType = strawberry.field(description="The offer.")
    cursor: str = strawberry.field(description="Opaque cursor of this position.")


@strawberry.type(name="UniteConnection", description="A page of offers.")
class UniteConnection:
    edges: list[UniteEdge] = strawberry.field(description="The offers of the page with their cursors.")
    nodes: list[UniteType] = strawberry.field(description="The offers of the page.")
    page_info: PageInfoType = strawberry.field(description="Pagination state.")

    @strawberry.field(
        description="Number of offers matching the filter and visible to the caller (computed only when selected)."
    )
    async def total_count(self) -> int:
        return await self.count()  # type: ignore[attr-defined]
