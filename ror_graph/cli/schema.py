"""``ror-graph export-schema``: print the GraphQL SDL (committed as ``schema.graphql``)."""

from __future__ import annotations

from ror_graph.cli import app


def schema_sdl() -> str:
    """The printed SDL of the public schema, with a final newline (what ``schema.graphql`` holds)."""
    from strawberry.printer import print_schema

    from ror_graph.schema.root import schema

    return print_schema(schema) + "\n"


@app.command("export-schema", help="Print the GraphQL schema (SDL); run: ror-graph export-schema > schema.graphql")
def export_schema() -> None:
    print(schema_sdl(), end="")
