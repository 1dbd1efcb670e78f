"""``Concept``: a coded value {code, label, system}, and the field helpers every coded attribute uses.

Labels come from the app-wide nomenclature copy (``resolvers.labels``), so labelling costs no query.
"""

from __future__ import annotations

import strawberry

from ror_graph.resolvers.context import Info
from ror_graph.resolvers.labels import Concept


@strawberry.type(name="Concept", description="A code of a national nomenclature (NOS) with its label.")
class ConceptType:
    code: str = strawberry.field(description="The code, as a string (leading zeros are significant).")
    label: str | None = strawberry.field(
        description="Its label in the nomenclature; null when the code is not in the loaded nomenclature."
    )
    system: str = strawberry.field(
        description="The nomenclature, named after its NOS file (e.g. `TRE_R211-ActiviteOperationnelle`)."
    )


def concept_field(system: str, column: str, description: str):
    """A ``Concept`` field read from ``root.<column>`` (null when the column is null).

    Strawberry types the field from the attribute annotation (``ConceptType``); resolvers return plain ``Concept``.
    """

    def resolve(root, info: Info) -> Concept | None:
        return info.context.labels.concept(system, getattr(root, column))

    return strawberry.field(resolver=resolve, description=description)


def level_concept_field(system: str, column: str, description: str):
    """A ``Concept`` field for an integer-coded column (confidentiality levels 1..3)."""

    def resolve(root, info: Info) -> Concept | None:  # never None: the column is NOT NULL
        return info.context.labels.concept(system, str(getattr(root, column)))

    return strawberry.field(resolver=resolve, description=description)


def concepts_of(info: Info, rows, *, attribute: str | None = None, system: str | None = None) -> list[Concept]:
    """Label code rows (``UniteCode``/``EtablissementCode``) that match ``attribute`` or ``system``."""
    labels = info.context.labels.labels
    return [
        Concept(code=r.code, label=labels.get((r.system, r.code)), system=r.system)
        for r in rows
        if (attribute is None or r.attribute == attribute) and (system is None or r.system == system)
    ]
