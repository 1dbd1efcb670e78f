"""Typed inputs of the établissement writes: declared fields, FINESS correction, validation.

``EtablissementUpdate`` is a patch (fields absent from ``model_fields_set`` are unchanged). It keeps
unknown keys (``PatchInput``) so that the service answers ``FINESS_LOCKED`` for a FINESS-owned
column and ``BAD_INPUT`` for anything else, whatever the channel (API, back office, CLI).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from ror_graph.services.core.write import IsoDate, PatchInput, WriteInput
from ror_graph.services.unite.inputs import ContactInput


class TarifInput(WriteInput):
    """A declared tariff (TRE_R246 type, amount in euros with its unit and conditions)."""

    type_code: str = Field(description="Type of tariff (TRE_R246).")
    # an amount may come as text from a form: Decimal parses it (the service checks its range)
    montant: Annotated[Decimal, Field(strict=False)] = Field(description="Amount in euros.")
    unite_prix: str | None = Field(default=None, description="Price unit (TRE_R228).")
    date_debut: IsoDate | None = Field(default=None, description="Applies from this date.")
    moins_de_60_ans: bool = Field(default=False, description="Tariff for residents under 60.")
    type_habitation_code: str | None = Field(default=None, description="Housing type (TRE_R242).")
    temporalite_code: str | None = Field(default=None, description="Temporality (TRE_R240).")
    condition_code: str | None = Field(default=None, description="Tariff condition code.")
    niveau_dependance_code: str | None = Field(default=None, description="Dependency level (GIR) code.")


class EtablissementUpdate(PatchInput):
    """Declared fields of an établissement; omitted fields are left unchanged, lists are replaced."""

    nom_operationnel: str | None = Field(default=None, description="Everyday name.")
    hebergement_famille: bool | None = Field(default=None, description="Families can be hosted.")
    nb_place_aide_sociale_permanent: int | None = Field(default=None, description="Permanent social-aid places.")
    nb_place_aide_sociale_temporaire: int | None = Field(default=None, description="Temporary social-aid places.")
    accessibilite_code: str | None = Field(default=None, description="Accessibility code.")
    commentaire: str | None = Field(default=None, description="Free comment.")
    aides_financieres: list[str] | None = Field(default=None,
                                                description="Aides financières (TRE_R241); replaces the list.")
    contacts: list[ContactInput] | None = Field(default=None, description=(
        "Contacts: replace the ones you can see, others are kept (needs an alert phone or e-mail)."))
    tarifs: list[TarifInput] | None = Field(default=None, description="Tariffs; replaces the list.")


class FinessCorrection(WriteInput):
    """Support overrides one FINESS-owned field of an EG or EJ, with a mandatory motif."""

    field: str = Field(description="The FINESS-owned column to correct.")
    value: str | None = Field(default=None, description="New value as text; null clears it.")
    motif: str = Field(description="Why FINESS is wrong (required, kept in the history).")


class EtablissementValidation(WriteInput):
    """The directeur (or support on his behalf, with a motif) validates the EG's description."""

    motif: str | None = Field(default=None, description="Required when support validates.")
