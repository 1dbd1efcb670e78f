"""``ror-graph`` command line: one Typer app, one module per group of commands.

Commands stay thin: they read settings, open an engine and call services / importers.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ror-graph",
    help="ror_graph: backend of the ROR directory (GraphQL API, search, back office).",
    no_args_is_help=True,
    add_completion=False,
)

# Each module registers its commands on `app` when imported.
from ror_graph.cli import accounts, base, demo, export, finess, schema, search, tokens, worker  # noqa: E402,F401

__all__ = ["app"]
