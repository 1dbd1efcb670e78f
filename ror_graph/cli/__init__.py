"""``ror-graph`` command line: one Typer app, one module per group of commands.

Commands stay thin: they read settings, open an engine and call services / importers. Before a
command runs, the app callback prints the resolved data directory (operations commands) and runs the preflight checks
(``cli.preflight``) the command needs; a problem of configuration or environment then prints one line
naming the fix and exits with code 2, without traceback (``ror-graph --debug …`` shows it).
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from pydantic import ValidationError
from typer import _click as click
from typer.core import TyperGroup

from ror_graph.cli.preflight import CliProblem, check_database, check_meilisearch
from ror_graph.settings import get_settings

NEEDS_SCHEMA = {"serve", "load-reference", "import-finess", "sync-search", "reindex", "create-account",
                "reset-password", "create-token"}
"""Commands that read or write a migrated database (``migrate`` and ``demo`` migrate it themselves)."""
CREATES_SCHEMA = {"migrate", "demo"}
NEEDS_SEARCH = {"serve", "sync-search", "reindex"}
SHOWS_DATA_DIR = {"serve", "migrate", "demo", "load-reference", "import-finess", "sync-search", "reindex"}
"""Commands that print the data directory first (account commands keep their output to one line)."""
DEBUG_KEY, ARGS_KEY = "ror_graph_debug", "ror_graph_args"


class RorGroup(TyperGroup):
    """Turns the expected problems of a command into one line on stderr and exit code 2."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta[ARGS_KEY] = rest  # the preflight skips `COMMAND --help`
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliProblem as exc:
            if ctx.meta.get(DEBUG_KEY):
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    name="ror-graph",
    cls=RorGroup,
    help="ror_graph: backend of the ROR directory (GraphQL API, search, back office).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def preflight(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
) -> None:
    """Print the data directory, then check what the command needs before it runs."""
    ctx.meta[DEBUG_KEY] = debug
    command = ctx.invoked_subcommand or ""
    if command == "export-schema" or "--help" in ctx.meta.get(ARGS_KEY, ()):
        return
    try:
        settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ROR_GRAPH_" + "_".join(str(part) for part in first["loc"]).upper()
        raise CliProblem(f"invalid setting {name}: {first['msg']}") from exc
    if command in SHOWS_DATA_DIR:
        print(f"data directory: {settings.data_dir}", file=sys.stderr)
    if command in NEEDS_SCHEMA or command in CREATES_SCHEMA:
        check_database(settings, need_schema=command in NEEDS_SCHEMA)
    if command in NEEDS_SEARCH and settings.meili_url:
        check_meilisearch(settings.meili_url, settings.meili_key or None)


# Each module registers its commands on `app` when imported.
from ror_graph.cli import accounts, base, demo, export, finess, schema, search, tokens, worker  # noqa: E402,F401

__all__ = ["app"]
