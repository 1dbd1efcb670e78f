"""The schema contract: ``schema.graphql`` is up to date, every type and field is described."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from ror_graph.cli.schema import schema_sdl
from ror_graph.schema.errors import DomainErrorCodes, MaskUnexpectedErrors
from ror_graph.schema.root import schema
from ror_graph.services.core.errors import ConflictError

DESCRIBED = (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType, GraphQLEnumType)
READ_ROOT_FIELDS = {"entiteJuridique", "etablissement", "unite", "etablissements", "unites", "nomenclature", "commune"}
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_the_code():
    # given the SDL printed from the code, when compared with the committed file, then they are identical
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is out of date; run: ror-graph export-schema > schema.graphql"
    )


def undescribed(items: dict) -> list[str]:
    return [key for key, item in items.items() if not (item.description or "").rstrip().endswith(".")]


def test_every_type_and_field_is_described_with_a_final_dot():
    # when every type of the schema (read and write parts) is inspected
    items = {}
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(gql_type, DESCRIBED):
            continue
        items[name] = gql_type
        if not isinstance(gql_type, GraphQLEnumType):
            items |= {f"{name}.{field}": value for field, value in gql_type.fields.items()}
    # then each type and field has a description ending with a dot
    assert undescribed(items) == []


def test_read_api_arguments_and_enum_values_are_described():
    # when the read API's root fields and enums are inspected
    query = schema._schema.query_type
    items = {
        f"Query.{field}({arg})": value
        for field, definition in query.fields.items()
        if field in READ_ROOT_FIELDS
        for arg, value in definition.args.items()
    }
    for enum in ("EtablissementOrder", "UniteOrder"):
        items |= {f"{enum}.{v}": value for v, value in schema._schema.type_map[enum].values.items()}
    # then every argument and enum value is described too
    assert len(items) > 10
    assert undescribed(items) == []


@strawberry.type
class Boom:
    @strawberry.field
    def crash(self) -> str:
        raise RuntimeError("database password is hunter2")

    @strawberry.field
    def conflict(self) -> str:
        raise ConflictError("Changed meanwhile.", current_version=7)


async def test_unexpected_errors_are_masked_and_domain_errors_carry_their_code():
    # given a schema with the production error extensions
    boom = strawberry.Schema(query=Boom, extensions=[DomainErrorCodes, MaskUnexpectedErrors])
    # when a resolver crashes and another raises a domain error
    crash, conflict = (await boom.execute("{ crash }")).errors[0], (await boom.execute("{ conflict }")).errors[0]
    # then the crash is masked with code INTERNAL, the domain error keeps its message, code and field
    assert (crash.message, crash.extensions) == ("Unexpected error.", {"code": "INTERNAL"})
    assert conflict.message == "Changed meanwhile."
    assert conflict.extensions == {"code": "CONFLICT", "field": "version", "currentVersion": 7}
