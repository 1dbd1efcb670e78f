"""``ror-graph import-finess``: load a FINESS file (FINESS+ JSON, etalab CSV, FHIR NDJSON, FINESS+ Activités)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run
from ror_graph.db import session_factory
from ror_graph.services.core.errors import DomainError
from ror_graph.services.finess.importer import ImportReport, import_finess
from ror_graph.services.finess.parsers import FINESS_ACTIVITES

console = Console()
err_console = Console(stderr=True)
#: Rejected lines printed in full; the ImportRun report keeps up to MAX_REJECTED_DETAILS.
SHOWN_REJECTED = 20


def print_report(report: ImportReport) -> None:
    title = f"Import FINESS {report.format}{' (dry run: nothing written)' if report.dry_run else ''}"
    table = Table("entité", "créées", "mises à jour", "inchangées", "fermées", "rejetées", title=title)
    # "FINESS Activités" counts EGs whose FINESS capacity set was created / replaced / left as is.
    rows = ((("EG (capacités FINESS)", report.etablissement),) if report.format == FINESS_ACTIVITES
            else (("EJ", report.entite_juridique), ("EG", report.etablissement)))
    for label, counts in rows:
        table.add_row(label, str(counts.created), str(counts.updated), str(counts.unchanged), str(counts.closed),
                      str(counts.rejected))
    console.print(table)
    if report.entite_juridique.placeholders:
        console.print(f"{report.entite_juridique.placeholders} EJ créées en attente FINESS (placeholder).")
    if report.etablissement.hors_perimetre:
        console.print(f"{report.etablissement.hors_perimetre} EG hors périmètre ROR (hors JDV_J55), importés.")
    if report.corrections_kept or report.corrections_replaced:
        console.print(f"Corrections support conservées: {report.corrections_kept}, "
                      f"remplacées par une nouvelle valeur FINESS: {report.corrections_replaced}.")
    for item in report.rejected_lines[:SHOWN_REJECTED]:
        place = f"élément {item.where}" if item.where else f"ligne {item.line}"  # JSON items have no lines
        console.print(f"[yellow]{place}[/yellow] {item.entity} {item.finess or ''}: {item.reason}")
    if report.rejected > SHOWN_REJECTED:
        console.print(f"… {report.rejected - SHOWN_REJECTED} autres rejets (voir import_run {report.run_id}).")
    console.print(f"{report.seconds:.1f} s" + (f", import_run {report.run_id}" if report.run_id else ""))


@app.command("import-finess", help="Import a FINESS file: FINESS+ JSON (« FINESS Structures », or « FINESS Activités » "
             "whose capacities replace each EG's FINESS capacities), etalab CSV (cs1100501/502/507) or FHIR NDJSON.")
def import_finess_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The FINESS file."),
    fmt: str = typer.Option("auto", "--format", help="auto | finess-plus | finess-activites | etalab | fhir."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute the full report without writing anything."),
) -> None:
    size = path.stat().st_size

    async def go() -> ImportReport:
        async with engine_for() as engine:
            sessions = session_factory(engine)
            if not console.is_terminal:
                return await import_finess(sessions, path, fmt=fmt, dry_run=dry_run)
            columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task(path.name, total=size)
                return await import_finess(sessions, path, fmt=fmt, dry_run=dry_run,
                                           progress=lambda done: progress.update(task, completed=done))

    try:
        report = run(go())
    except DomainError as exc:
        err_console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=2) from exc
    print_report(report)
