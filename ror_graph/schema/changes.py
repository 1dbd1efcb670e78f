"""``changes``: the change feed (README "Consume the directory"), one item per change in commit order.

Items and tombstones are computed for the caller's profile by ``services.feed.changes``; ``data`` is
the entity's current form as JSON (the same form as the bulk export's lines).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from ror_graph.resolvers import changes as resolve
from ror_graph.resolvers.context import Info
from ror_graph.services.feed.changes import FeedFilter, FeedItem, FeedPage


@strawberry.enum(name="FeedEntity", description="Kinds of entities the change feed reports.")
class FeedEntityEnum(Enum):
    ENTITE_JURIDIQUE = strawberry.enum_value("entite_juridique", description="Entité juridique (EJ).")
    ETABLISSEMENT = strawberry.enum_value("etablissement", description="Établissement géographique (EG).")
    UNITE = strawberry.enum_value("unite", description="Unité opérationnelle (offre), with its lieux.")


@strawberry.input(name="ChangesFilter", description="Which changes to report; omitted lists mean all.")
class ChangesFilterInput:
    entites: list[FeedEntityEnum] | None = strawberry.field(default=None, description="Kinds of entities.")
    regions: list[str] | None = strawberry.field(default=None, description="COG region codes (of the EG).")
    departements: list[str] | None = strawberry.field(default=None, description="COG département codes (of the EG).")

    def to_filter(self) -> FeedFilter:
        return FeedFilter(entites=frozenset(cast(str, e.value) for e in self.entites or ()),
                          regions=frozenset(self.regions or ()), departements=frozenset(self.departements or ()))


@strawberry.type(name="Change", description="One change of an EJ, EG or offer, as the caller may see it.")
class ChangeType:
    cursor: str = strawberry.field(description="Pass as `after` to resume just after this change.")
    op: str = strawberry.field(description="created, updated, closed, reopened or deleted (a tombstone: "
                                           "deleted, or no longer visible to the caller).")
    entity: str = strawberry.field(description="entite_juridique, etablissement or unite.")
    key: str | None = strawberry.field(description="FINESS number (EJ, EG) or national offer identifier.")
    version: int | None = strawberry.field(description="Version of the entity after the change.")
    fields: list[str] | None = strawberry.field(description="Names of the fields the change touched.")
    at: datetime = strawberry.field(description="When the change was committed.")
    data: JSON | None = strawberry.field(description="The entity's current form for the caller; null for a "
                                                     "deletion.")


def _change(item: FeedItem) -> ChangeType:
    return ChangeType(cursor=item.cursor, op=item.op, entity=item.entity, key=item.key, version=item.version,
                      fields=item.fields, at=item.at, data=cast(JSON, item.data))


@strawberry.type(name="ChangesPage", description="A page of the change feed.")
class ChangesPageType:
    changes: list[ChangeType] = strawberry.field(description="The changes of this page, in commit order.")
    cursor: str = strawberry.field(description="Pass as `after` for the next page (moves on even when every "
                                               "change scanned was filtered out).")
    has_more: bool = strawberry.field(description="More changes are already waiting after `cursor`.")


def _page(page: FeedPage) -> ChangesPageType:
    return ChangesPageType(changes=[_change(i) for i in page.items], cursor=page.cursor, has_more=page.has_more)


@strawberry.type
class ChangesQuery:
    @strawberry.field(description="Changes after a cursor, in commit order, for the caller's profile: "
                                  "tombstones for what was deleted or left its view. CURSOR_EXPIRED when the "
                                  "cursor is older than the retention: resynchronise from a bulk export.")
    async def changes(self, info: Info, after: str | None = None, first: int = 100,
                      filter: ChangesFilterInput | None = None) -> ChangesPageType:
        feed_filter = filter.to_filter() if filter else FeedFilter()
        return _page(await resolve.changes(info, after=after, first=first, filter=feed_filter))
