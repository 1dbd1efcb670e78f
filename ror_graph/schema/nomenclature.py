"""Root fields on reference data: a nomenclature's codes and a commune."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ror_graph.resolvers.context import Info
from ror_graph.resolvers.labels import Concept
from ror_graph.schema.concept import ConceptType
from ror_graph.schema.geo import CommuneType


@strawberry.type(description="Reference data lookups.")
class NomenclatureQuery:
    @strawberry.field(description="Every code of a nomenclature, in code order; null for an unknown nomenclature.",
                      graphql_type=list[ConceptType] | None)
    def nomenclature(
        self,
        info: Info,
        system: Annotated[
            str, strawberry.argument(description="NOS file name, e.g. `TRE_R211-ActiviteOperationnelle`.")
        ],
    ) -> list[Concept] | None:
        return info.context.labels.systems.get(system.strip())

    @strawberry.field(description="The commune with this INSEE COG code, or null.")
    async def commune(
        self, info: Info, code: Annotated[str, strawberry.argument(description="INSEE COG code (5 characters).")]
    ) -> CommuneType | None:
        return await info.context.loaders.commune_by_code.load(code.strip())
