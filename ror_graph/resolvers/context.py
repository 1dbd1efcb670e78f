"""The GraphQL context of one request: session, loaders, caller, labels, app state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.db import PlannedReads
from ror_graph.resolvers.labels import NomenclatureCache
from ror_graph.resolvers.loaders import Loaders
from ror_graph.services.accounts.auth import ANONYMOUS, Caller
from ror_graph.state import AppState

LABELS_KEY = "nomenclature_labels"


@dataclass
class Context:
    """Everything a resolver may use; built once per request by ``make_context``."""

    request: Any
    session: AsyncSession
    loaders: Loaders
    caller: Caller
    state: AppState
    labels: NomenclatureCache
    driver: PlannedReads | None = None
    """Where a planned request sends its SQL texts (``db.driver_reads``); ``None``: the session."""


Info = strawberry.Info[Context, None]


async def make_context(
    state: AppState, session: AsyncSession, caller: Caller = ANONYMOUS, request: Any = None
) -> Context:
    """A context on ``session`` for ``caller``; refreshes the app's code labels when they are stale."""
    labels = state.extras.get(LABELS_KEY)
    if labels is None:
        labels = state.extras[LABELS_KEY] = NomenclatureCache()
    if labels.stale:
        await labels.refresh(session)
    return Context(
        request=request, session=session, loaders=Loaders(session, caller), caller=caller, state=state, labels=labels
    )
