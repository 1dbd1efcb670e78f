"""Create, update and close an offer (unité opérationnelle) with all its declared attributes.

Each write is a ``WriteOperation`` (``services.core.write``) taking a ``Principal`` and a typed
input (``services.unite.inputs``): ``UniteCreate``, ``UniteUpdate`` (patch: fields absent from
``model_fields_set`` are unchanged) and ``UniteClosure``. Required pieces of an offer (national
model): nom, champ d'activité, mode de prise en charge, at least one activité, an inclusive age range
and ``unite_sensible``. The national offer identifier ``<region code of the EG>/<id>`` is assigned at
creation and never changes.

Every accepted write enqueues ``("unite", id, "upsert")``: the search worker re-reads the offer and
drops it from the index when it is closed or sensitive. Closing uses ``fermer_unite`` only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Commune,
    Departement,
    EntiteJuridique,
    Etablissement,
    Unite,
    finess_owned_fields,
)
from ror_graph.models.coded import TYPE_FERMETURE
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.accounts.scope import authorize, load_etablissement
from ror_graph.services.core.changes import ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.core.validation import check_codes
from ror_graph.services.core.write import WriteOperation, sent
from ror_graph.services.core.write_common import clean_code, clean_text, mark_modified, reject_locked_and_unknown
from ror_graph.services.policy.visibility import ensure_unite_visible
from ror_graph.services.unite.attributes import (
    CODE_COLUMNS,
    LISTS,
    SCALARS,
    changed_lists,
    clean_lists,
    clean_scalars,
    current_lists,
    write_lists,
)
from ror_graph.services.unite.contacts import current_contacts
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate

__all__ = ["CODE_COLUMNS", "create_unite", "fermer_unite", "load_unite", "load_visible_unite", "update_unite"]
DEFINITIVE_CLOSURE_EXCLUDED = "PRO"  # provisoire: the offer stays open, with a planned reopening date


async def load_unite(session: AsyncSession, identifiant: str) -> tuple[Unite, Etablissement, EntiteJuridique]:
    """The offer ``identifiant`` with its EG and EJ, or ``NotFoundError``."""
    unite = (await session.exec(select(Unite).where(Unite.identifiant == identifiant))).first()
    if unite is None:
        raise NotFoundError(f"No offer with identifier {identifiant!r}.", field="identifiant")
    eg = await session.get(Etablissement, unite.etablissement_id)
    assert eg is not None  # foreign key
    ej = await session.get(EntiteJuridique, eg.entite_juridique_id)
    assert ej is not None  # foreign key
    return unite, eg, ej


async def load_visible_unite(session: AsyncSession, identifiant: str,
                             who: Any) -> tuple[Unite, Etablissement, EntiteJuridique]:
    """``load_unite`` for ``who``: an offer the visibility policy hides answers like a missing one."""
    unite, eg, ej = await load_unite(session, identifiant)
    ensure_unite_visible(unite, eg, ej, who)
    return unite, eg, ej


async def _region_of(session: AsyncSession, etablissement: Etablissement) -> str:
    """INSEE region code of the EG (FINESS column, else from its département or commune)."""
    if etablissement.region_code:
        return etablissement.region_code
    if etablissement.departement_code:
        dep = await session.get(Departement, etablissement.departement_code)
        if dep is not None:
            return dep.region_code
    if etablissement.commune_code:
        commune = await session.get(Commune, etablissement.commune_code)
        if commune is not None and commune.region_code:
            return commune.region_code
    raise BadInputError("The établissement has no known region; the offer identifier cannot be assigned.",
                        field="finess")


class _UniteWrite(WriteOperation[Unite]):
    """Shared hooks: the EG scope decides, every accepted write marks the EG modified and reindexes the offer."""

    eg: Etablissement
    ej: EntiteJuridique

    def authorize(self) -> None:
        authorize(self.principal, self.eg, self.ej)

    async def enqueue(self, cs: ChangeSet) -> None:
        mark_modified(cs, self.eg, self.eg.finess, self.now)
        cs.enqueue("unite", self.row.id)


class _DeclaredUniteWrite(_UniteWrite):
    """Create and update: FINESS-owned or unknown keys are refused, then scalars and lists are cleaned."""

    def __init__(self, session: AsyncSession, principal: Principal, data: UniteCreate | UniteUpdate,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, **kwargs)
        self.changes = sent(data)
        self.scalars: dict[str, Any] = {}
        self.lists: dict[str, Any] = {}
        self.old: dict[str, Any] = {}

    def reject_locked(self) -> None:
        reject_locked_and_unknown(self.changes, declared=(*SCALARS, *LISTS),
                                  locked=finess_owned_fields(Etablissement), entity="an offer")

    async def clean(self) -> None:
        creating = self.row is None
        stored = [] if creating or "contacts" not in self.changes else await current_contacts(
            self.session, unite_id=self.row.id)
        self.scalars = await clean_scalars(self.session, self.changes, self.row)
        self.lists = await clean_lists(self.session, self.eg, self.changes, creating=creating,
                                       level=self.principal.level, stored_contacts=stored)


class CreateUnite(_DeclaredUniteWrite):
    """A new offer of EG ``finess``: inserted, identified ``<region>/<id>``, every given value audited."""

    def __init__(self, session: AsyncSession, principal: Principal, finess: str, data: UniteCreate,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, data, **kwargs)
        self.finess = finess

    async def load(self) -> None:
        self.eg, self.ej = await load_etablissement(self.session, self.finess)

    async def claim(self) -> None:
        region = await _region_of(self.session, self.eg)
        assert self.eg.id is not None  # loaded
        self.row = Unite(etablissement_id=self.eg.id, created_at=self.now, updated_at=self.now, **self.scalars)
        self.session.add(self.row)
        await self.session.flush()
        self.row.identifiant = f"{region}/{self.row.id}"

    async def apply(self, cs: ChangeSet) -> None:
        cs.record("unite", self.row.identifiant, "identifiant", None, self.row.identifiant)
        for key, value in self.scalars.items():
            if value is not None:
                cs.record("unite", self.row.identifiant, key, None, value)
        await write_lists(self.session, cs, self.eg, self.row, self.lists, {}, level=self.principal.level,
                          now=self.now)


class UpdateUnite(_DeclaredUniteWrite):
    """Changes of offer ``identifiant`` read at ``version``; a closed offer is history (refused)."""

    def __init__(self, session: AsyncSession, principal: Principal, identifiant: str, data: UniteUpdate,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, data, **kwargs)
        self.identifiant = identifiant

    async def load(self) -> None:
        # A hidden offer answers like a missing one (no existence oracle): the visibility policy decides.
        self.row, self.eg, self.ej = await load_visible_unite(self.session, self.identifiant, self.principal)

    def check_version(self) -> None:
        super().check_version()
        if self.row.ferme:
            raise BadInputError("This offer is closed; it can no longer be changed.", field="identifiant")

    async def diff(self) -> bool:
        self.scalars = {k: v for k, v in self.scalars.items() if as_text(getattr(self.row, k)) != as_text(v)}
        self.old = await current_lists(self.session, self.row, set(self.lists))
        self.lists = changed_lists(self.lists, self.old, self.principal.level)
        return bool(self.scalars or self.lists)

    async def apply(self, cs: ChangeSet) -> None:
        for key, value in self.scalars.items():
            cs.set(self.row, "unite", self.row.identifiant, key, value)
        await write_lists(self.session, cs, self.eg, self.row, self.lists, self.old, level=self.principal.level,
                          now=self.now)


class CloseUnite(_UniteWrite):
    """Close offer ``identifiant`` (TRE_R286 type); ``PRO`` (provisoire) keeps it open with a reopening date."""

    def __init__(self, session: AsyncSession, principal: Principal, identifiant: str, data: UniteClosure,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, **kwargs)
        self.identifiant, self.data = identifiant, data

    async def load(self) -> None:
        # A hidden offer answers like a missing one (no existence oracle): the visibility policy decides.
        self.row, self.eg, self.ej = await load_visible_unite(self.session, self.identifiant, self.principal)

    def check_version(self) -> None:
        super().check_version()
        if self.row.ferme:
            raise BadInputError("This offer is already closed.", field="identifiant")

    def audit_motif(self) -> str | None:
        return clean_text(self.data.motif, field="motif", max_length=2000)

    async def clean(self) -> None:
        data = self.data
        code = clean_code(data.type_fermeture_code, field="type", required=True)
        assert code is not None  # required: ``clean_code`` raised otherwise
        self.code = code
        await check_codes(self.session, TYPE_FERMETURE, [self.code], field="type")
        if data.date_reouverture_prevue is not None:
            if self.code != DEFINITIVE_CLOSURE_EXCLUDED:
                raise BadInputError("Only a provisional closure (PRO) has a reopening date.", field="dateReouverture")
            if data.date_reouverture_prevue < data.date_fermeture:
                raise BadInputError("The reopening date must follow the closing date.", field="dateReouverture")
        self.audit_motif()

    async def apply(self, cs: ChangeSet) -> None:
        unite, data = self.row, self.data
        cs.set(unite, "unite", unite.identifiant, "date_fermeture", data.date_fermeture)
        cs.set(unite, "unite", unite.identifiant, "type_fermeture_code", self.code)
        cs.set(unite, "unite", unite.identifiant, "date_reouverture_prevue", data.date_reouverture_prevue)
        cs.set(unite, "unite", unite.identifiant, "ferme", self.code != DEFINITIVE_CLOSURE_EXCLUDED)


async def create_unite(session: AsyncSession, principal: Principal, *, finess: str, data: UniteCreate,
                       now: datetime | None = None) -> Unite:
    """Create an offer of EG ``finess`` from ``data``; assigns ``<region>/<id>``; commits."""
    return await CreateUnite(session, principal, finess, data, now=now).run()


async def update_unite(session: AsyncSession, principal: Principal, *, identifiant: str, version: int | None,
                       data: UniteUpdate, now: datetime | None = None) -> Unite:
    """Apply the fields sent in ``data`` to offer ``identifiant`` read at ``version``; commits (or nothing).

    A missing ``version`` (a back-office form without one) is refused (``BAD_INPUT``).
    """
    return await UpdateUnite(session, principal, identifiant, data, version=version, now=now).run()


async def fermer_unite(session: AsyncSession, principal: Principal, *, identifiant: str, version: int,
                       data: UniteClosure, now: datetime | None = None) -> Unite:
    """Close offer ``identifiant`` read at ``version``; ``data.motif`` is kept on the audit rows."""
    return await CloseUnite(session, principal, identifiant, data, version=version, now=now).run()
