"""Search commands: ``sync-search`` (drain the event log's search consumer) and ``reindex`` (rebuild + swap)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run, settings
from ror_graph.db import session_factory

console = Console(stderr=True)


@contextlib.asynccontextmanager
async def meili_connection() -> AsyncIterator[tuple[str, str | None]]:
    """(url, key) of the configured Meilisearch, or the data directory's managed one (a running server's,
    else one started for this command)."""
    cfg = settings()
    if cfg.meili_url:
        yield cfg.meili_url, cfg.meili_key or None
        return
    if not cfg.meili_managed:
        console.print("[red]no Meilisearch: set ROR_GRAPH_MEILI_URL (or allow the managed one)[/red]")
        raise typer.Exit(2)
    from search_index.server import ManagedMeili, MeiliUnavailable

    try:
        managed = ManagedMeili.shared(cfg.data_dir / "meilisearch")
    except MeiliUnavailable as exc:
        console.print(f"[red]cannot start the managed Meilisearch ({exc}): set MEILI_BINARY, or "
                      "ROR_GRAPH_MEILI_URL for an external one[/red]")
        raise typer.Exit(2) from exc
    try:
        yield managed.url, managed.master_key
    finally:
        managed.stop()


@app.command("sync-search", help="Push pending changes (event log) to Meilisearch (until none is left, or once): "
             "to the recent index <index>_recent, compacted into the offers index when due.")
def sync_search(
    once: bool = typer.Option(False, help="Process one batch only."),
    batch_size: int = typer.Option(500, help="Events per batch."),
) -> None:
    from ror_graph.api.search import recent_layer
    from search_index.client import meili_client
    from search_index.indexer import ensure_index
    from search_index.recent import recent_uid
    from search_index.sync import drain_search

    recent = recent_layer(settings())

    async def go():
        totals = {"events": 0, "upserted": 0, "deleted": 0, "failed": 0}
        last = None
        async with engine_for() as engine, meili_connection() as (url, key):
            sessions = session_factory(engine)
            try:  # settings first, or Meilisearch would create the index with its defaults on first push
                async with meili_client(url, key) as client:
                    await ensure_index(client, settings().meili_index)
                    if recent is not None:
                        await ensure_index(client, recent_uid(settings().meili_index))
            except Exception as exc:  # down: the drain below records the failure and the backoff
                console.print(f"[yellow]could not apply index settings: {exc}[/yellow]")
            while True:
                last = await drain_search(sessions, meili_url=url, meili_key=key, index_uid=settings().meili_index,
                                          batch_size=batch_size, recent=recent,
                                          retention=timedelta(days=settings().event_retention_days))
                for name in totals:
                    totals[name] += getattr(last, name)
                if once or last.failed or last.events < batch_size:
                    break
        return totals, last

    totals, last = run(go())
    console.print(f"events {totals['events']} · upserted {totals['upserted']} · deleted {totals['deleted']} · "
                  f"failed {totals['failed']} · still pending {last.pending}")
    if last.busy:
        console.print("[yellow]another drainer holds the search consumer's lease, or it is backing off after "
                      "a failure: try again in a few seconds[/yellow]")
    if last.failed:
        console.print(f"[red]Meilisearch error, will retry with backoff:[/red] {last.error}")
        raise typer.Exit(1)


@app.command(help="Rebuild the search index from the database into a new index, then swap it in atomically; "
                  "the recent index <index>_recent is compacted into it and left empty.")
def reindex(batch_size: int = typer.Option(2000, help="Offers read and sent per batch.")) -> None:
    from search_index.indexer import reindex as rebuild

    async def go() -> int:
        async with engine_for() as engine, meili_connection() as (url, key):
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=False) as bar:
                tasks: dict[str, TaskID] = {}

                def progress(phase: str, done: int, total: int) -> None:
                    label = {"read": "read + send offers", "index": "Meilisearch indexing"}[phase]
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(label, total=total)
                    bar.update(tasks[phase], completed=done, total=total)

                return await rebuild(session_factory(engine), meili_url=url, meili_key=key,
                                     index_uid=settings().meili_index, progress=progress, batch_size=batch_size)

    count = run(go())
    console.print(f"[green]index {settings().meili_index} rebuilt with {count} offers[/green]")
