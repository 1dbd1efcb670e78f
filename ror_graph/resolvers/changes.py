"""The change feed for GraphQL ``changes``: the caller and the retention come from the request."""

from __future__ import annotations

from datetime import timedelta

from ror_graph.resolvers.context import Info
from ror_graph.services.directory.pages import MAX_PAGE_SIZE
from ror_graph.services.feed.changes import FeedFilter, FeedPage, read_changes


async def changes(info: Info, *, after: str | None, first: int, filter: FeedFilter) -> FeedPage:
    """One page of the feed for the request's caller (pages hold at most ``MAX_PAGE_SIZE`` items, as elsewhere)."""
    context = info.context
    retention = timedelta(days=context.state.settings.event_retention_days)
    return await read_changes(context.session, context.caller, after=after, first=first, filter=filter,
                              retention=retention, max_first=MAX_PAGE_SIZE)
