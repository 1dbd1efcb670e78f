"""Apply one batch of FINESS records: upsert EJ then EG by FINESS number, FINESS-owned columns only.

One batch = one transaction (the caller commits): existing rows of the batch are read with one
``SELECT … IN`` per table, new rows are inserted and changed rows updated with Core executemany
statements, and the audit / outbox rows go through a ``ChangeSet``.

Support corrections (``FinessFieldState.corrected``): the state row keeps the value FINESS sent
when support overrode it. While FINESS keeps sending that value the correction stays; when FINESS
sends a new one, FINESS wins, the state is cleared and the replacement is audited with its own
motif. Fields never corrected need no state row: their column *is* the last value FINESS sent, so
a national file does not create millions of bookkeeping rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import bindparam, insert, select, update
from sqlmodel import SQLModel, col
from sqlmodel import select as select_models
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, FinessFieldState
from ror_graph.models.base import table_of
from ror_graph.services.core.changes import SYSTEM_IMPORT, ChangeSet, as_text
from ror_graph.services.finess.batch_checks import RecordChecks
from ror_graph.services.finess.bulk_changes import BulkChangeSet
from ror_graph.services.finess.parsers import EgRecord, EjRecord
from ror_graph.services.finess.reference import FinessReference, departements_of_postal_code
from ror_graph.services.finess.report import EG_ENTITY, EJ_ENTITY, ImportReport

REPLACED_MOTIF = "FINESS a changé la valeur: la correction support est remplacée"
CREATED_FIELD = "created"


#: A placeholder EJ has no name until FINESS sends it: the ``placeholder`` flag says so, not a fake name.
PLACEHOLDER_NAME = ""


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Python-side defaults of every column but ``id`` (Core inserts bypass the model)."""
    defaults = {}
    for name, info in model.model_fields.items():
        if name != "id" and info.default is not PydanticUndefined:
            defaults[name] = info.default
    return defaults


class FinessBatchWriter:
    """Writes batches of one import; keeps the report and the reference data of that import."""

    def __init__(self, session: AsyncSession, reference: FinessReference, report: ImportReport, *,
                 now: datetime, motif: str) -> None:
        self.session, self.reference, self.report = session, reference, report
        self.now, self.motif = now, motif
        self.checks = RecordChecks(reference, report)
        self.owned = self.checks.owned
        self.defaults = {EJ_ENTITY: _defaults(EntiteJuridique), EG_ENTITY: _defaults(Etablissement)}
        self.tables = {EJ_ENTITY: table_of(EntiteJuridique), EG_ENTITY: table_of(Etablissement)}
        self._changed_ejs: list[int] = []  # EJ updated in the current batch: their EGs go to the outbox

    # -- reads ---------------------------------------------------------------------------------
    async def _rows(self, entity: str, numbers: set[str]) -> dict[str, dict[str, Any]]:
        if not numbers:
            return {}
        table = self.tables[entity]
        extra = ["id", "version"] + (["placeholder"] if entity == EJ_ENTITY else ["entite_juridique_id"])
        columns = [table.c[name] for name in (*extra, *sorted(self.owned[entity]))]
        conn = await self.session.connection()
        result = await conn.execute(select(*columns).where(table.c.finess.in_(numbers)))
        return {row["finess"]: dict(row) for row in result.mappings()}

    async def _states(self, entity: str, numbers: set[str]) -> dict[tuple[str, str], FinessFieldState]:
        if not numbers:
            return {}
        rows = await self.session.exec(select_models(FinessFieldState).where(
            FinessFieldState.entity == entity, col(FinessFieldState.finess).in_(numbers),
            FinessFieldState.corrected == True,  # noqa: E712 (SQL expression)
        ))
        return {(state.finess, state.field): state for state in rows}

    # -- merge ---------------------------------------------------------------------------------
    def _effective(self, states: dict, finess: str, current: dict | None, name: str, incoming: Any) -> Any:
        """The value the column should hold: the support correction while FINESS repeats its old value."""
        state = states.get((finess, name))
        if current is not None and state is not None and state.corrected and as_text(incoming) == state.finess_value:
            return current[name]
        return incoming

    def _merge(self, entity: str, finess: str, current: dict[str, Any], values: dict[str, Any],
               states: dict, cs: ChangeSet, replaced: ChangeSet) -> dict[str, Any]:
        """Changed columns of an existing row; audits them; applies the correction rule."""
        changes: dict[str, Any] = {}
        for name, incoming in values.items():
            state = states.get((finess, name))
            if state is not None and state.corrected:
                if as_text(incoming) == state.finess_value:
                    self.report.corrections_kept += 1
                    continue
                state.finess_value, state.corrected, state.updated_at = as_text(incoming), False, self.now
                self.report.corrections_replaced += 1
                if as_text(current[name]) != as_text(incoming):
                    replaced.record(entity, finess, name, current[name], incoming)
                    changes[name] = incoming
                continue
            if as_text(current[name]) != as_text(incoming):
                cs.record(entity, finess, name, current[name], incoming)
                changes[name] = incoming
        return changes

    def _new_row(self, entity: str, finess: str, values: dict[str, Any]) -> dict[str, Any]:
        return {**self.defaults[entity], **values, "finess": finess, "created_at": self.now,
                "updated_at": self.now, "finess_updated_at": self.now}

    # -- writes --------------------------------------------------------------------------------
    async def _insert(self, entity: str, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert ``rows`` and return their ids by FINESS number."""
        if not rows:
            return {}
        table = self.tables[entity]
        conn = await self.session.connection()
        await conn.execute(insert(table), rows)
        result = await conn.execute(select(table.c.finess, table.c.id).where(
            table.c.finess.in_([r["finess"] for r in rows])))
        return dict(result.all())

    async def _update(self, entity: str, rows: list[dict[str, Any]]) -> None:
        table = self.tables[entity]
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_keys[tuple(sorted(row))].append(row)
        conn = await self.session.connection()
        for group in by_keys.values():
            await conn.execute(update(table).where(table.c.id == bindparam("_id")), group)

    def _update_row(self, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        return {"_id": current["id"], **changes, "version": current["version"] + 1,
                "updated_at": self.now, "finess_updated_at": self.now}

    async def write(self, records: list[EjRecord | EgRecord]) -> None:
        """Apply one batch (EJ first, then EG) in the session's current transaction."""
        cs = BulkChangeSet(self.session, SYSTEM_IMPORT, self.motif, now=self.now)
        replaced = BulkChangeSet(self.session, SYSTEM_IMPORT, REPLACED_MOTIF, now=self.now, change_id=cs.change_id)
        self._changed_ejs.clear()
        ejs = self.checks.valid([r for r in records if isinstance(r, EjRecord)], EJ_ENTITY)
        egs = self.checks.valid([r for r in records if isinstance(r, EgRecord)], EG_ENTITY)
        self.checks.count_perimeter(egs)
        ej_ids = await self._write_ejs(ejs, {r.ej_finess for r in egs if r.ej_finess is not None}, cs, replaced)
        await self._write_egs(egs, ej_ids, cs, replaced)
        await self._enqueue_establishments_of(self._changed_ejs, cs)
        await cs.flush()
        await replaced.flush()

    async def _enqueue_establishments_of(self, ej_ids: list[int], cs: ChangeSet) -> None:
        """Search documents of an EG carry its EJ's identity: re-derive them when the EJ changed."""
        if not ej_ids:
            return
        table = self.tables[EG_ENTITY]
        conn = await self.session.connection()
        result = await conn.execute(select(table.c.id).where(table.c.entite_juridique_id.in_(ej_ids)))
        for (eg_id,) in result:
            cs.enqueue(EG_ENTITY, eg_id)

    async def _write_ejs(self, ejs: list[EjRecord], referenced: set[str], cs: ChangeSet,
                         replaced: ChangeSet) -> dict[str, int]:
        counts = self.report.entite_juridique
        rows = await self._rows(EJ_ENTITY, {r.finess for r in ejs} | referenced)
        states = await self._states(EJ_ENTITY, {r.finess for r in ejs if r.finess in rows})
        inserts, updates = [], []
        for record in ejs:
            current = rows.get(record.finess)
            closed_after = record.values.get("date_fermeture") is not None
            if current is None:
                inserts.append({**self._new_row(EJ_ENTITY, record.finess, record.values), "placeholder": False})
                cs.record(EJ_ENTITY, record.finess, CREATED_FIELD, None, record.values.get("raison_sociale"))
                counts.created += 1
                counts.closed += closed_after
                continue
            changes = self._merge(EJ_ENTITY, record.finess, current, record.values, states, cs, replaced)
            if current["placeholder"]:
                changes["placeholder"] = False
            if changes:
                updates.append(self._update_row(current, changes))
                self._changed_ejs.append(current["id"])
                counts.updated += 1
                closed_now = changes.get("date_fermeture", current["date_fermeture"]) is not None
                counts.closed += closed_now and current["date_fermeture"] is None
            else:
                counts.unchanged += 1
        known = rows.keys() | {r.finess for r in ejs}
        for finess in sorted(referenced - known):
            inserts.append(self._new_row(EJ_ENTITY, finess, {"raison_sociale": PLACEHOLDER_NAME})
                           | {"placeholder": True})
            cs.record(EJ_ENTITY, finess, CREATED_FIELD, None, "en attente FINESS")
            counts.created += 1
            counts.placeholders += 1
        await self._update(EJ_ENTITY, updates)
        ids = {finess: row["id"] for finess, row in rows.items()}
        ids.update(await self._insert(EJ_ENTITY, inserts))
        return ids

    def _geography(self, record: EgRecord, values: dict[str, Any], states: dict, current: dict | None) -> None:
        """Resolve the commune when the format has none, then derive département and région from it."""
        if record.resolve_commune and "commune_code" not in values:
            commune = self.reference.resolve_commune(record.postal_code, record.city)
            if commune is not None:
                values["commune_code"] = commune
        departement = record.departement
        if departement is None and record.postal_code and "commune_code" not in values:
            departement = departements_of_postal_code(record.postal_code)[0]
        if "commune_code" in values:
            commune = self._effective(states, record.finess, current, "commune_code", values["commune_code"])
        else:
            commune = current["commune_code"] if current else None
        if commune is None and departement is None:
            return
        values["departement_code"], values["region_code"] = self.reference.geography(commune, departement)

    async def _write_egs(self, egs: list[EgRecord], ej_ids: dict[str, int], cs: ChangeSet,
                         replaced: ChangeSet) -> None:
        counts = self.report.etablissement
        rows = await self._rows(EG_ENTITY, {r.finess for r in egs})
        states = await self._states(EG_ENTITY, {r.finess for r in egs if r.finess in rows})
        inserts, updates, changed_ids = [], [], []
        for record in egs:
            current = rows.get(record.finess)
            values = dict(record.values)
            self._geography(record, values, states, current)
            ej_id = ej_ids[record.ej_finess]  # type: ignore[index]
            if current is None:
                inserts.append({**self._new_row(EG_ENTITY, record.finess, values), "entite_juridique_id": ej_id})
                cs.record(EG_ENTITY, record.finess, CREATED_FIELD, None, values.get("raison_sociale"))
                counts.created += 1
                counts.closed += bool(values.get("ferme"))
                continue
            changes = self._merge(EG_ENTITY, record.finess, current, values, states, cs, replaced)
            if current["entite_juridique_id"] != ej_id:
                cs.record(EG_ENTITY, record.finess, "entite_juridique_id", current["entite_juridique_id"], ej_id)
                changes["entite_juridique_id"] = ej_id
            if changes:
                updates.append(self._update_row(current, changes))
                changed_ids.append(current["id"])
                counts.updated += 1
                counts.closed += bool(changes.get("ferme")) and not current["ferme"]
            else:
                counts.unchanged += 1
        await self._update(EG_ENTITY, updates)
        created = await self._insert(EG_ENTITY, inserts)
        for eg_id in [*changed_ids, *created.values()]:
            cs.enqueue(EG_ENTITY, eg_id)
