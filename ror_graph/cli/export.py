"""``export``: the whole directory for one profile, from one snapshot, with the feed cursor to follow next."""

from __future__ import annotations

from pathlib import Path

import typer

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run, settings


@app.command("export", help="Export the whole directory (EJ, EG, offers with lieux, capacités, zones, contacts) "
                            "for one profile from one consistent snapshot; gzip NDJSON/CSV or XLSX plus "
                            "manifest.json holding the feed cursor to follow the changes from.")
def export(
    format: str = typer.Option("ndjson", "--format", help="ndjson, csv or xlsx."),
    profile: str = typer.Option("public", "--profile", help="public, professional or regulation."),
    out: Path | None = typer.Option(None, "--out", help="Target folder (default: <data dir>/exports/<time>)."),
) -> None:
    from ror_graph.db import session_factory
    from ror_graph.models import utcnow
    from ror_graph.services.core.errors import DomainError
    from ror_graph.services.export.snapshot import check_request, export_directory

    try:
        check_request(format, profile)
    except DomainError as exc:
        typer.echo(f"{exc.code}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    now = utcnow()
    target = out or settings().data_dir / "exports" / f"{profile}-{now:%Y%m%dT%H%M%S}"

    async def go():
        async with engine_for() as engine, session_factory(engine)() as session:
            return await export_directory(session, fmt=format, profile=profile, out=target, now=now)

    manifest = run(go())
    counts = ", ".join(f"{n} {entity}" for entity, n in manifest.counts.items())
    typer.echo(f"exported {counts} to {target}; follow the feed with after={manifest.cursor}")
