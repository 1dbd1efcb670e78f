"""The shape of one registry entry: everything every channel needs to know about one attribute.

An attribute is declared once (``Attribute``) and the GraphQL fields, list filters, search
documents and facets, export columns, completeness items, admin labels and write-side code
bindings are derived from it, so adding an attribute is one entry (plus its nomenclature file)
instead of a dozen hand-kept maps that drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Entity(StrEnum):
    """Owner of the attribute; the value is the table name."""

    ej = "entitejuridique"
    eg = "etablissement"
    unite = "unite"
    lieu = "lieu"


class Storage(StrEnum):
    """Where the values live."""

    column = "column"  # a column of the entity's own table (``column``)
    unite_code = "unite_code"  # ``UniteCode`` rows whose ``attribute`` is ``column``
    etablissement_code = "etablissement_code"  # ``EtablissementCode`` rows whose ``attribute`` is ``column``
    child = "child"  # a child table reached through other rows (e.g. equipments of the offer's lieux)


class Owner(StrEnum):
    """Who may set the value (DESIGN §1): FINESS-owned fields are locked for référents."""

    finess = "finess"
    declared = "declared"
    technical = "technical"


PUBLIC = 1  # TRE_R283 level 1: visible du grand public


@dataclass(frozen=True)
class Attribute:
    """One attribute of EJ / EG / unité / lieu, declared once.

    ``key`` is the Python (snake_case) name of the GraphQL output field and of the completeness
    item; ``facet`` is the single name of its search filter and facet (``public``), from which the
    index attribute (``<document>.code``) is derived; ``filter_field`` is the list name of the
    GraphQL filter inputs (``publics``). Attributes sharing a ``facet`` (actes spécifiques and
    actes hors cabinet) share one filter, one document field and one export column.
    """

    entity: Entity
    key: str
    label: str
    fhir: str
    description: str = ""
    storage: Storage = Storage.column
    column: str | None = None
    system: str | None = None
    value_set: str | None = None
    multiple: bool = False
    required: bool = False
    owner: Owner = Owner.declared
    confidentiality: int = PUBLIC
    graphql: bool = False
    graphql_after: str | None = None
    value_type: type | None = None
    facet: str | None = None
    filter_field: str | None = None
    document: str | None = None
    search_rank: int | None = None
    export: str | None = None
    completeness: float = 0.0

    @property
    def coded(self) -> bool:
        return self.system is not None

    @property
    def code_system(self) -> str:
        """The nomenclature of a coded attribute (``ValueError`` for one that holds no codes)."""
        if self.system is None:
            raise ValueError(f"{self.key} holds no codes")
        return self.system

    @property
    def table(self) -> str:
        return self.entity.value

    @property
    def filter_param(self) -> str | None:
        """camelCase of ``filter_field`` (``champs_activite`` → ``champsActivite``): the GraphQL / HTTP list name."""
        if not self.filter_field:
            return None
        head, *rest = self.filter_field.split("_")
        return head + "".join(part.title() for part in rest)

    @property
    def filter_description(self) -> str:
        """The filter's description, from the field's: ``Publics (TRE_R239).`` → ``Publics (TRE_R239 codes).``"""
        text = self.description.rstrip(".")
        return text[:-1] + " codes)." if text.endswith(")") else text + "."
