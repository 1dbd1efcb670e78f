"""CLI command ``demo``: a ready-to-explore database from a real FINESS subset and generated offers."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run, settings
from ror_graph.db import migrate as run_migrations
from ror_graph.db import session_factory

console = Console(stderr=True)


@app.command(help=(
    "Load the demo: real FINESS establishments of Maine-et-Loire (2021 extract), the FINESS+ example "
    "structures (real EJ → EG), and generated demo offers (marked « démo », fictitious contacts). "
    "Idempotent: a second run adds nothing."
))
def demo(
    seed: int = typer.Option(49, help="Seed of the offer generator: same seed, same offers."),
    migrate: bool = typer.Option(True, help="Bring the database schema to head first."),
) -> None:
    from ror_graph.services.core.errors import DomainError
    from ror_graph.services.demo.generator import load_demo

    url = settings().database_url
    if migrate:
        run_migrations(url)

    async def go():
        async with engine_for(url) as engine:
            return await load_demo(session_factory(engine), seed=seed)

    try:
        imported, generated = run(go())
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message}")
        raise typer.Exit(1) from exc
    for report in imported:
        eg, ej = report.etablissement, report.entite_juridique
        console.print(f"FINESS file {report.source.rsplit('/', 1)[-1]}: {eg.created} EG created, {eg.updated} updated, "
                      f"{eg.unchanged} unchanged, {eg.rejected} rejected ({ej.created} EJ created, "
                      f"{ej.placeholders} awaiting FINESS, {ej.updated} completed or updated)")
    table = Table("catégorie FINESS", "libellé", "offres de démo", title=f"Demo offers (seed {seed})")
    for category, count in sorted(generated.by_category.items()):
        table.add_row(category, generated.category_labels.get(category, ""), str(count))
    console.print(table)
    console.print(f"{generated.unites} offers for {generated.etablissements} establishments "
                  f"({generated.sensibles} sensitive); {len(generated.skipped)} establishments skipped")
    for finess, reason in generated.skipped[:20]:
        console.print(f"  skipped {finess}: {reason}")
