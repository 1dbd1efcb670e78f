"""Root fields of the directory: EJ / EG / offer lookups and the paginated, filtered lists."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ror_graph.models import EntiteJuridique, Etablissement, Unite
from ror_graph.resolvers import directory as resolve
from ror_graph.resolvers.context import Info
from ror_graph.resolvers.pagination import Connection
from ror_graph.schema.entite_juridique import EntiteJuridiqueType
from ror_graph.schema.etablissement import EtablissementType
from ror_graph.schema.inputs import DirectoryFilterInput, EtablissementOrderEnum, UniteOrderEnum
from ror_graph.schema.pagination import EtablissementConnection, UniteConnection
from ror_graph.schema.unite import UniteType
from ror_graph.services.directory.pages import MAX_PAGE_SIZE

Finess = Annotated[str, strawberry.argument(description="FINESS number (9 characters).")]
Filter = Annotated[DirectoryFilterInput | None, strawberry.argument(description="Criteria; all must hold.")]
First = Annotated[int, strawberry.argument(description=f"Page size, at most {MAX_PAGE_SIZE}.")]
After = Annotated[
    str | None, strawberry.argument(description="Return the items after this cursor (`pageInfo.endCursor`).")
]


@strawberry.type(description="Directory lookups and lists.")
class DirectoryQuery:
    @strawberry.field(description="The entité juridique with this FINESS PM number, or null.",
                      graphql_type=EntiteJuridiqueType | None)
    async def entite_juridique(self, info: Info, finess: Finess) -> EntiteJuridique | None:
        return await resolve.entite_juridique(info, finess)

    @strawberry.field(description="The établissement with this FINESS ET number, or null.",
                      graphql_type=EtablissementType | None)
    async def etablissement(self, info: Info, finess: Finess) -> Etablissement | None:
        return await resolve.etablissement(info, finess)

    @strawberry.field(
        description="The offer with this national identifier, or null (also when the caller may not see it).",
        graphql_type=UniteType | None,
    )
    async def unite(
        self,
        info: Info,
        identifiant: Annotated[str, strawberry.argument(description="National offer identifier `<region>/<id>`.")],
    ) -> Unite | None:
        return await resolve.unite(info, identifiant)

    @strawberry.field(description="Établissements matching a filter, one page at a time (keyset pagination).",
                      graphql_type=EtablissementConnection)
    async def etablissements(
        self,
        info: Info,
        filter: Filter = None,
        first: First = resolve.DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: Annotated[
            EtablissementOrderEnum, strawberry.argument(description="Ordering of the list.")
        ] = EtablissementOrderEnum.FINESS,
    ) -> Connection:
        return await resolve.etablissements(info, filter, first, after, order_by)

    @strawberry.field(
        description="Offers visible to the caller matching a filter, one page at a time (keyset pagination).",
        graphql_type=UniteConnection,
    )
    async def unites(
        self,
        info: Info,
        filter: Filter = None,
        first: First = resolve.DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: Annotated[
            UniteOrderEnum, strawberry.argument(description="Ordering of the list.")
        ] = UniteOrderEnum.ID,
    ) -> Connection:
        return await resolve.unites(info, filter, first, after, order_by)
