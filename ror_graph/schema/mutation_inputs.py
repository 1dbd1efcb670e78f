"""GraphQL inputs of the write mutations, derived from the services' typed inputs (never redeclared).

Each GraphQL input is a subclass of the service's pydantic model (``services.unite.inputs``,
``services.etablissement.inputs``) decorated with ``strawberry.pydantic.input``: the instance a
resolver receives *is* the service input, with ``model_fields_set`` holding exactly the fields the
client sent. ``derive`` swaps nested models for their GraphQL counterparts; for the patch inputs
(``top_level=True``) no default is published, so an omitted field stays absent (unchanged) while an
explicit null reaches the service as null.

``EtablissementInput`` also lists every FINESS-owned column (from the models' markers, deprecated,
typed ``JSON``): a raw request that sets one is then valid GraphQL and reaches the service, which
answers ``FINESS_LOCKED`` instead of a generic "unknown field" validation error.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel, Field, create_model
from strawberry.scalars import JSON
from strawberry.types.base import get_object_definition

from ror_graph.models import Etablissement, finess_owned_fields
from ror_graph.schema.finess import camel, graphql_path
from ror_graph.services.etablissement.inputs import EtablissementUpdate, TarifInput
from ror_graph.services.unite.inputs import (
    CapaciteInput,
    ContactInput,
    EquipementInput,
    EquipementLimiteInput,
    HabitationInput,
    HoraireInput,
    LieuInput,
    TelecomInput,
    UniteCreate,
    UniteUpdate,
)

LOCKED_REASON = "Owned by FINESS: refused with FINESS_LOCKED; support uses corrigerChampFiness."
GRAPHQL_INPUTS: dict[type[BaseModel], type[BaseModel]] = {}  # service model → its GraphQL input


def _graphql_annotation(annotation: Any) -> Any:
    """``annotation`` with every service model replaced by its GraphQL input (inside lists and optionals)."""
    if isinstance(annotation, type) and annotation in GRAPHQL_INPUTS:
        return GRAPHQL_INPUTS[annotation]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list:
        return types.GenericAlias(list, (_graphql_annotation(args[0]),))  # ``list[…]`` of a runtime value
    if origin in (Union, types.UnionType):
        swapped = tuple(_graphql_annotation(arg) for arg in args)
        return Union[swapped]  # noqa: UP007 - rebuilt from a tuple of members
    return annotation


def derive(model: type[BaseModel], name: str, description: str, *, top_level: bool = False,
           extra: dict[str, Any] | None = None) -> type[BaseModel]:
    """The GraphQL input ``name`` built from ``model`` (a subclass: instances are service inputs)."""
    overrides: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = _graphql_annotation(info.annotation)
        if annotation is not info.annotation:
            overrides[field_name] = (annotation, Field(default=info.default, description=info.description))
    subclass = create_model(f"{model.__name__}Graphql", __base__=model, **overrides, **(extra or {}))
    graphql = strawberry.pydantic.input(subclass, name=name, description=description)
    if top_level:  # a published default would be filled in by GraphQL and look like an explicit value
        for field in get_object_definition(graphql, strict=True).fields:
            if not field.python_name.startswith("_"):
                field.default = field.default_value = strawberry.UNSET
    GRAPHQL_INPUTS[model] = graphql
    return graphql


TelecomInputType = derive(TelecomInput, "TelecomInput", "A phone number, e-mail or URL of a contact.")
ContactInputType = derive(ContactInput, "ContactInput",
                          "A contact point with its telecoms (the list replaces the contacts you can see).")
TarifInputType = derive(TarifInput, "TarifInput", "A declared tariff of the établissement.")
HoraireInputType = derive(HoraireInput, "HoraireInput", "An opening slot.")
CapaciteInputType = derive(CapaciteInput, "CapaciteInput", "One capacity measure of a lieu.")
EquipementLimiteInputType = derive(EquipementLimiteInput, "EquipementLimiteInput",
                                   "A limit the most tolerant device of the type bears.")
EquipementInputType = derive(EquipementInput, "EquipementInput", "A specific equipment of a lieu.")
HabitationInputType = derive(HabitationInput, "HabitationInput", "Residential capacity of a lieu.")
LieuInputType = derive(LieuInput, "LieuInput",
                       "A lieu of the offer: `id` of an existing lieu of the EG, or a new one.")
CreerUniteInputType = derive(UniteCreate, "CreerUniteInput",
                             "A new offer: the required pieces plus any declared attribute.", top_level=True)
ModifierUniteInputType = derive(UniteUpdate, "ModifierUniteInput",
                                "Changes of an offer; omitted fields are left unchanged.", top_level=True)


def _locked_fields() -> tuple[dict[str, Any], dict[str, str]]:
    """FINESS-owned columns as deprecated JSON fields (python attribute → field), and attribute → column.

    Aliases use the read path of the column when it is a plain name (e.g. ``categorie``).
    """
    fields: dict[str, Any] = {}
    columns: dict[str, str] = {}
    for column in (*finess_owned_fields(Etablissement), "adresse"):
        path = graphql_path("etablissement", column) if column != "adresse" else column
        names = sorted({camel(column), path} if "." not in path else {camel(column)})
        for index, graphql_name in enumerate(names):
            attribute = column if index == 0 else f"{column}__alias"
            columns[attribute] = column
            marker = strawberry.field(name=graphql_name, deprecation_reason=LOCKED_REASON,
                                      description="FINESS-owned; never writable here.")
            fields[attribute] = (Annotated[JSON | None, marker], None)
    return fields, columns


_LOCKED_FIELDS, LOCKED_ATTRIBUTES = _locked_fields()
EtablissementInputType = derive(
    EtablissementUpdate, "EtablissementInput",
    "Declared fields of an établissement; omitted fields are left unchanged, lists are replaced.",
    top_level=True, extra=_LOCKED_FIELDS,
)


def etablissement_update(data: EtablissementUpdate) -> EtablissementUpdate:
    """The service input of ``modifierEtablissement``: FINESS-owned fields named by their column."""
    sent = {LOCKED_ATTRIBUTES.get(name, name): getattr(data, name) for name in data.model_fields_set}
    return EtablissementUpdate.model_validate(sent)


__all__ = ["JSON"]
