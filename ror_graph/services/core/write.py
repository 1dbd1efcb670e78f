"""The one write skeleton every declared write follows, and typed-input parsing.

A write is: load → authorize → reject locked fields → check version → clean/validate (reads only) →
diff (nothing changed → nothing written, same version) → claim the version (``UPDATE … WHERE
version = …``, the first write statement) → apply the changes through a ``ChangeSet`` (row, audit)
→ enqueue search events → flush. ``WriteOperation.run`` runs these hooks in one transaction and rolls
everything back on any error, so the row, its audit rows and its events happen together or not at
all. EG update, unit create/update/close, FINESS correction and validation are subclasses.

FINESS import batches keep their bulk path (``services.finess.batch``): they write thousands of rows
per transaction through ``BulkChangeSet`` with the system principal, have no version read by a
person, and rely on the same ownership rule (the importer owns FINESS fields, people own declared
fields), so they do not go through this per-row skeleton.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import utcnow
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.write_common import check_version, claim_version, in_transaction

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


def parse(model: type[M], data: Mapping[str, Any] | M) -> M:
    """Build a typed input from plain data (admin form, CLI, tests); type errors become ``BAD_INPUT``.

    Only the keys present are set, so ``model_fields_set`` tells absent from null for patch inputs.
    """
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
        raise BadInputError(f"Invalid value: {first['msg']}.", field=where or None) from None


def sent(data: BaseModel) -> dict[str, Any]:
    """The fields the author actually sent (absent fields are left unchanged by patch writes)."""
    return {name: getattr(data, name) for name in data.model_fields_set}


class WriteOperation(Generic[R]):
    """One write, as hooks; subclasses override the ones they need, ``run`` fixes their order."""

    motif: ClassVar[str | None] = None

    def __init__(self, session: AsyncSession, principal: Principal, *, version: int | None = None,
                 now: datetime | None = None) -> None:
        self.session = session
        self.principal = principal
        self.version = version
        self.now = now or utcnow()
        self.row: Any = None  # the versioned row this write claims (None at creation)

    async def load(self) -> None:
        """Read the rows the write acts on (``NOT_FOUND`` when missing)."""

    def authorize(self) -> None:
        """Who may write here (``UNAUTHENTICATED`` / ``FORBIDDEN``)."""
        self.principal.require_writer()

    def reject_locked(self) -> None:
        """Refuse FINESS-owned and unknown fields (``FINESS_LOCKED`` / ``BAD_INPUT``)."""

    def check_version(self) -> None:
        """Fast optimistic-locking check of the version the author read."""
        if self.row is not None:
            check_version(self.row, self.version)

    async def clean(self) -> None:
        """Validate and normalise the whole input; reads only, never writes."""

    async def diff(self) -> bool:
        """Compute what changes; False means nothing to write (the version does not move)."""
        return True

    async def claim(self) -> None:
        """Move the row to the next version atomically (``CONFLICT`` for the loser of a race)."""
        if self.row is not None:
            await claim_version(self.session, self.row, self.row.version if self.version is None else self.version,
                                self.now)

    def change_set(self) -> ChangeSet:
        return ChangeSet(self.session, self.principal.actor, motif=self.audit_motif(), now=self.now)

    def audit_motif(self) -> str | None:
        return self.motif

    async def apply(self, cs: ChangeSet) -> None:
        """Write the changes through ``cs`` (row and audit rows)."""

    async def enqueue(self, cs: ChangeSet) -> None:
        """Search events of this write (flushed with the audit rows)."""

    def result(self) -> R:
        return self.row

    async def run(self) -> R:
        """Every hook in order, in one transaction: committed when all pass, fully rolled back otherwise."""

        async def work() -> R:
            await self.load()
            self.authorize()
            self.reject_locked()
            self.check_version()
            await self.clean()
            if not await self.diff():
                return self.result()
            await self.claim()
            cs = self.change_set()
            await self.apply(cs)
            await self.enqueue(cs)
            await cs.flush()
            return self.result()

        return await in_transaction(self.session, work)


def _from_iso(kind: type[date] | type[time]):
    """Accept the ISO text a JSON document carries for a date or a time, and nothing else loose.

    Inputs are strict (``"5"`` is not 5), but JSON has no date or time type: the back office's list
    editor and the CLI send ``"09:00"`` / ``"2026-07-01"``. Only such text is parsed here; a number
    still reaches the strict check and is refused.
    """

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected an ISO 8601 {kind.__name__} such as "
                                 f"{'09:30' if kind is time else '2026-07-01'}") from None
        return value

    return BeforeValidator(convert)


IsoTime = Annotated[time, _from_iso(time)]
IsoDate = Annotated[date, _from_iso(date)]


class WriteInput(BaseModel):
    """Base of the typed write inputs: no silent coercion (``"5"`` is not 5, ``true`` is not 1)."""

    model_config = ConfigDict(strict=True, extra="forbid")


class PatchInput(WriteInput):
    """A top-level write input: unknown keys are kept so the service can answer ``FINESS_LOCKED``/``BAD_INPUT``."""

    model_config = ConfigDict(strict=True, extra="allow")
