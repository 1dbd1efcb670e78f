"""Full search reindex started from the back office, in the background of the running app.

A rebuild reads every public offer, which can take minutes: the request only starts it (one at a
time per app) and the page shows how the last run went. ``search_index.indexer.reindex`` builds a new
index and swaps it in atomically, so searches keep working meanwhile.
"""

from __future__ import annotations

import asyncio
import logging

from ror_graph.models import utcnow
from ror_graph.state import AppState

log = logging.getLogger("ror_graph.admin")
TASK_KEY = "admin_reindex"
NOT_CONFIGURED = ("La recherche n'est pas configurée sur ce serveur (aucun Meilisearch : ROR_GRAPH_MEILI_URL vide "
                  "et Meilisearch géré désactivé ou indisponible) : rien à réindexer.")


async def start_reindex(state: AppState) -> str:
    """Start a reindex unless search is not configured or one is running; returns what happened."""
    if not state.meili_url:
        return NOT_CONFIGURED
    running = state.extras.get(TASK_KEY)
    if running is not None and not running.done():
        return "Une réindexation est déjà en cours."
    from search_index.indexer import reindex

    started = utcnow()
    task = asyncio.create_task(reindex(state.sessions, meili_url=state.meili_url, meili_key=state.meili_key,
                                       index_uid=state.settings.meili_index))
    task.started_at = started  # type: ignore[attr-defined]
    task.add_done_callback(_log_outcome)
    state.extras[TASK_KEY] = task
    return f"Réindexation lancée le {started:%d/%m/%Y à %H:%M} (UTC) vers l'index « {state.settings.meili_index} »."


def reindex_status(state: AppState) -> str:
    """One sentence on the last reindex started from this app."""
    if not state.meili_url:
        return NOT_CONFIGURED
    task = state.extras.get(TASK_KEY)
    if task is None:
        return "Aucune réindexation lancée depuis le démarrage du serveur."
    if not task.done():
        return "Réindexation en cours…"
    if task.cancelled():
        return "La dernière réindexation a été interrompue."
    if task.exception() is not None:
        return f"La dernière réindexation a échoué : {task.exception()}"
    return f"Dernière réindexation terminée : {task.result()} offres indexées."


def _log_outcome(task: asyncio.Task) -> None:
    if task.cancelled():
        log.warning("admin reindex cancelled")
    elif task.exception() is not None:
        log.error("admin reindex failed: %s", task.exception())
    else:
        log.info("admin reindex done: %s documents", task.result())
