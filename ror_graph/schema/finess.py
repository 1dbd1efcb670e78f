"""Which GraphQL fields of a row are locked by FINESS (derived from the models' ``finess_field`` markers)."""

from __future__ import annotations

from sqlmodel import SQLModel

from ror_graph.models import finess_owned_fields
from ror_graph.models.base import Address
from ror_graph.models.coded import CODED_COLUMNS


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def graphql_path(table: str, column: str) -> str:
    """The GraphQL field showing ``column``: coded columns drop ``_code``, address columns sit under ``adresse``."""
    if column in Address.model_fields:
        return f"adresse.{camel(column)}"
    if (table, column) in CODED_COLUMNS and column.endswith("_code"):
        return camel(column.removesuffix("_code"))
    return camel(column)


def champs_finess(model: type[SQLModel]) -> list[str]:
    """GraphQL paths of the FINESS-owned columns of ``model``, in declaration order."""
    table = model.__tablename__
    assert isinstance(table, str), "SQLModel names every table with a plain string"
    return [graphql_path(table, name) for name in finess_owned_fields(model)]
