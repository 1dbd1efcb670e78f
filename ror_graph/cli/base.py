"""Core commands: serve, migrate, load-reference."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run, settings
from ror_graph.db import migrate as run_migrations
from ror_graph.db import session_factory
from ror_graph.settings import DEV_SECRET, SECRET_FILE, stored_secret

console = Console(stderr=True)


@app.command(help=(
    "Serve the API (GraphQL at /graphql, search at /api/search, admin at /admin, probes at /health and "
    "/ready) and the public site (/, /recherche). Workers on one data directory share its managed "
    "Meilisearch and session key."))
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Uvicorn worker processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
    graceful_timeout: int = typer.Option(
        30, help="On SIGTERM, seconds to let in-flight requests finish before closing them."),
    healthcheck_timeout: int = typer.Option(
        30, help="With several workers, seconds a busy worker may take to answer the supervisor's ping "
        "before it is killed and replaced."),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", help="Proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, '*' for all)."),
) -> None:
    import uvicorn

    cfg = settings()
    if cfg.secret_key == DEV_SECRET and not cfg.debug:
        stored_secret(cfg.data_dir)  # drawn here, before the workers start, which all read it
        console.print(f"admin sessions: key kept in {cfg.data_dir / SECRET_FILE} (shared by the workers; "
                      "set ROR_GRAPH_SECRET_KEY for servers on several machines)")
    uvicorn.run("ror_graph.app:create_app", factory=True, host=host, port=port, workers=workers,
                reload=reload, log_level="info", access_log=False, timeout_graceful_shutdown=graceful_timeout,
                timeout_worker_healthcheck=healthcheck_timeout, forwarded_allow_ips=forwarded_allow_ips,
                proxy_headers=True)


@app.command(help="Create or upgrade the database schema (Alembic migrations to head).")
def migrate() -> None:
    url = settings().database_url
    run_migrations(url)
    console.print(f"[green]database at head[/green] ({url.split('@')[-1]})")


@app.command("load-reference", help=(
    "Load NOS nomenclatures and COG communes (idempotent); prints the coverage of commune centres "
    "(communes and population share by precision)."))
def load_reference() -> None:
    from ror_graph.services.reference.loader import load_reference as load

    async def go():
        async with engine_for() as engine, session_factory(engine)() as session:
            return await load(session)

    report = run(go())
    table = Table("table", "inserted", "updated", "unchanged", title="Reference data")
    for name, counts in report.tables.items():
        table.add_row(name, str(counts.inserted), str(counts.updated), str(counts.unchanged))
    console.print(table)
    positions = Table("precision", "communes", "population", "population share",
                      title="Commune centres (reelle: gazetteer, finess: its establishments, approchee: derived)")
    for share in report.positions:
        positions.add_row(share.precision or "none", f"{share.communes:,}", f"{share.population:,}",
                          f"{share.population_share:.1%}")
    console.print(positions)
