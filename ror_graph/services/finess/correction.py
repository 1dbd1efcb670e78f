"""Support corrections of FINESS-owned fields (the other half of the importer's ownership rule).

A correction overrides what FINESS sent until FINESS itself sends a new value: the
``FinessFieldState`` row remembers the FINESS value the correction replaced, the importer compares
against it (see ``finess_batch``). A correction is a ``WriteOperation`` (``services.core.write``):
the row's version moves with it, atomically, like any other declared write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Commune,
    EntiteJuridique,
    Etablissement,
    FinessFieldState,
    Unite,
    finess_owned_fields,
)
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.accounts.scope import require_global
from ror_graph.services.core.changes import ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError, ForbiddenError, NotFoundError
from ror_graph.services.core.write import WriteOperation
from ror_graph.services.etablissement.inputs import FinessCorrection
from ror_graph.services.finess.correction_checks import check_coherence, convert

MODELS: dict[str, type[EntiteJuridique] | type[Etablissement]] = {
    "entite_juridique": EntiteJuridique, "etablissement": Etablissement,
}
CORRECTOR_ROLES = {"support", "admin"}


class CorrectFinessField(WriteOperation[bool]):
    """One FINESS-owned field of EG/EJ ``finess`` overridden by support, with a motif."""

    def __init__(self, session: AsyncSession, principal: Principal, entity: str, finess: str,
                 data: FinessCorrection, **kwargs: Any) -> None:
        super().__init__(session, principal, **kwargs)
        self.entity, self.finess, self.data = entity, finess, data
        self.changed = False

    async def load(self) -> None:
        model = MODELS.get(self.entity)
        if model is None:
            raise BadInputError(f"Entité inconnue {self.entity!r}: entite_juridique ou etablissement.", field="entity")
        self.model = model
        self.row = (await self.session.exec(select(model).where(col(model.finess) == self.finess))).first()
        if self.row is None:
            raise NotFoundError(f"{self.entity} {self.finess} introuvable.", field="finess")

    def authorize(self) -> None:
        self.principal.require_writer()
        if self.principal.role not in CORRECTOR_ROLES:
            raise ForbiddenError("Seul le support peut corriger une donnée FINESS.")

    def check_version(self) -> None:
        """Support corrects what FINESS sent, not a version it read: the claim still moves the version."""

    def audit_motif(self) -> str | None:
        return self.data.motif.strip()

    async def clean(self) -> None:
        model, field = self.model, self.data.field
        if not (self.data.motif or "").strip():
            raise BadInputError("Le motif de la correction est obligatoire.", field="motif")
        if field not in finess_owned_fields(model) or field == "finess":
            raise BadInputError(f"« {field} » n'est pas un champ FINESS corrigeable.", field="field")
        self.new = new = convert(model, field, self.data.value)
        await check_coherence(self.session, model, self.row, field, new)
        self.commune = await self.session.get(Commune, new) if field == "commune_code" and new else None

    async def diff(self) -> bool:
        self.changed = as_text(getattr(self.row, self.data.field)) != as_text(self.new)
        return self.changed

    async def apply(self, cs: ChangeSet) -> None:
        entity, finess, field, row = self.entity, self.finess, self.data.field, self.row
        state = (await self.session.exec(select(FinessFieldState).where(
            FinessFieldState.entity == entity, FinessFieldState.finess == finess, FinessFieldState.field == field,
        ))).first()
        if state is None:
            state = FinessFieldState(entity=entity, finess=finess, field=field)
            self.session.add(state)
        if not state.corrected:  # the column held what FINESS sent: remember it
            state.finess_value = as_text(getattr(row, field))
        state.corrected, state.updated_at = True, self.now
        cs.set(row, entity, finess, field, self.new)
        if field == "commune_code" and self.model is Etablissement:  # derived columns follow the corrected commune
            cs.set(row, entity, finess, "departement_code", self.commune.departement_code if self.commune else None)
            cs.set(row, entity, finess, "region_code", self.commune.region_code if self.commune else None)

    async def enqueue(self, cs: ChangeSet) -> None:
        row = self.row
        eg_ids = [row.id] if self.model is Etablissement else list(
            await self.session.exec(select(Etablissement.id).where(Etablissement.entite_juridique_id == row.id)))
        for eg_id in eg_ids:
            assert eg_id is not None  # primary keys of stored rows
            cs.enqueue("etablissement", eg_id)
        if eg_ids:
            for unite_id in await self.session.exec(select(Unite.id).where(col(Unite.etablissement_id).in_(eg_ids))):
                assert unite_id is not None  # primary key
                cs.enqueue("unite", unite_id)

    def result(self) -> bool:
        return self.changed


async def correct_finess_field(session: AsyncSession, principal: Principal, *, entity: str, finess: str,
                               data: FinessCorrection) -> bool:
    """Support/admin overrides one FINESS-owned field, with a motif; returns False when unchanged.

    Audited with the motif, marks ``FinessFieldState.corrected`` (remembering the FINESS value it
    replaces), enqueues the search outbox for the EG(s) and their units, then commits.
    """
    return await CorrectFinessField(session, principal, entity, finess, data).run()


async def correct_by_finess(session: AsyncSession, principal: Principal, *, finess: str, data: FinessCorrection,
                            column_of: Callable[[type, str], str] | None = None,
                            ) -> tuple[bool, Etablissement | None, EntiteJuridique | None]:
    """Correct the EG with FINESS ``finess``, else the EJ; ``column_of`` maps the caller's field name.

    Returns whether it changed and the corrected row (EG or EJ), read again after the commit.
    """
    require_global(principal, "correct FINESS data")
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).first()
    ej = None if eg else (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == finess))).first()
    if eg is None and ej is None:
        raise NotFoundError(f"No établissement or entité juridique with FINESS {finess!r}.", field="finess")
    model: type[Etablissement] | type[EntiteJuridique]
    model, entity = (Etablissement, "etablissement") if eg else (EntiteJuridique, "entite_juridique")
    if column_of is not None:
        data = data.model_copy(update={"field": column_of(model, data.field)})
    changed = await correct_finess_field(session, principal, entity=entity, finess=finess, data=data)
    row = (await session.exec(select(model).where(col(model.finess) == finess))).one()
    await session.refresh(row)
    if isinstance(row, Etablissement):  # ``eg`` was found
        return changed, row, None
    assert isinstance(row, EntiteJuridique)
    return changed, None, row
