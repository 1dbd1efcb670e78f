"""The change feed for GraphQL ``changes``: the caller and the retention come from the request."""

from __future__ import annotations

from datetime import timedelta

from ror_graph.resolvers.context import Info
from ror_graph.services.clients.settings import client_regions, record_read
from ror_graph.services.directory.pages import MAX_PAGE_SIZE
from ror_graph.services.feed.changes import FeedFilter, FeedPage, read_changes


async def changes(info: Info, *, after: str | None, first: int, filter: FeedFilter) -> FeedPage:
    """One page of the feed for the request's caller (pages hold at most ``MAX_PAGE_SIZE`` items, as elsewhere)."""
    context, caller = info.context, info.context.caller
    retention = timedelta(days=context.state.settings.event_retention_days)
    filter = filter.within(await client_regions(context.session, caller.api_client_id))
    page = await read_changes(context.session, caller, after=after, first=first, filter=filter,
                              retention=retention, max_first=MAX_PAGE_SIZE)
    if caller.api_client_id is not None:
        await context.session.commit()
        await record_read(context.session, caller.api_client_id, page.seq)
    return page
