"""Root resolvers of the directory: lookups by national identifier and the paginated lists.

They return models (or ``Connection`` objects of models); the schema declares the GraphQL types.
Lookups that find nothing, or find something the caller may not see, return ``None``.
"""

from __future__ import annotations

from typing import cast

from ror_graph.models import EntiteJuridique, Etablissement, Unite
from ror_graph.resolvers.context import Info
from ror_graph.resolvers.pagination import Connection, connection, decode_cursor
from ror_graph.schema.inputs import DIRECTORY_FILTERS, DirectoryFilterInput, EtablissementOrderEnum, UniteOrderEnum
from ror_graph.services.directory import pages
from ror_graph.services.directory.pages import DirectoryFilter

DEFAULT_PAGE_SIZE = 20


def to_filter(value: DirectoryFilterInput | None) -> DirectoryFilter:
    """The service-level filter for a GraphQL filter input (strings trimmed, empty lists ignored)."""
    if value is None:
        return DirectoryFilter()

    def codes(items: list[str] | None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.strip() for s in items or () if s.strip()))

    return DirectoryFilter(
        departements=codes(value.departements),
        regions=codes(value.regions),
        communes=codes(value.communes),
        codes=tuple((name, found) for name in DIRECTORY_FILTERS if (found := codes(getattr(value, name)))),
        age=value.age,
        ferme=value.ferme,
        updated_since=value.updated_since,
    )


async def entite_juridique(info: Info, finess: str) -> EntiteJuridique | None:
    return await info.context.loaders.entite_by_finess.load(finess.strip())


async def etablissement(info: Info, finess: str) -> Etablissement | None:
    return await info.context.loaders.etablissement_by_finess.load(finess.strip())


async def unite(info: Info, identifiant: str) -> Unite | None:
    return await info.context.loaders.unite_by_identifiant.load(identifiant.strip())


async def etablissements(
    info: Info,
    filter: DirectoryFilterInput | None,
    first: int,
    after: str | None,
    order_by: EtablissementOrderEnum,
) -> Connection:
    # strawberry.enum swaps each member's EnumValueDefinition for its plain value: a str here
    ctx, criteria, order = info.context, to_filter(filter), pages.EtablissementOrder(cast(str, order_by.value))
    key = (
        decode_cursor(after, order.value, datetime_key=order is pages.EtablissementOrder.updated_at) if after else None
    )
    page = await ctx.loaders.run(
        pages.etablissements_page, caller=ctx.caller, filter=criteria, order=order, first=first, after=key
    )

    async def count() -> int:
        return await ctx.loaders.run(pages.etablissements_count, caller=ctx.caller, filter=criteria)

    return connection(page, order.value, has_previous=key is not None, count=count)


async def unites(
    info: Info,
    filter: DirectoryFilterInput | None,
    first: int,
    after: str | None,
    order_by: UniteOrderEnum,
) -> Connection:
    # strawberry.enum swaps each member's EnumValueDefinition for its plain value: a str here
    ctx, criteria, order = info.context, to_filter(filter), pages.UniteOrder(cast(str, order_by.value))
    key = decode_cursor(after, order.value, datetime_key=order is pages.UniteOrder.updated_at) if after else None
    page = await ctx.loaders.run(
        pages.unites_page, caller=ctx.caller, filter=criteria, order=order, first=first, after=key
    )

    async def count() -> int:
        return await ctx.loaders.run(pages.unites_count, caller=ctx.caller, filter=criteria)

    return connection(page, order.value, has_previous=key is not None, count=count)
