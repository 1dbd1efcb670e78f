"""Per-request DataLoaders: one batched SQL statement per relation and per level of the query.

Loaders are created lazily (a query touching three relations builds three loaders) and bound to
the request's session and caller: every batch that can hold something confidential takes the caller, so
the visibility policy (``services.policy.visibility``, applied in ``services.directory.batch``) filters
every level of the graph, not only its roots. One ``AsyncSession`` cannot run two statements at once,
while loaders of different relations dispatch concurrently: ``Loaders.run`` serialises database
access with a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from ror_graph.services.accounts.auth import Caller
from ror_graph.services.directory import batch as db

T = TypeVar("T")
MAX_BATCH = 2000  # well below the bind-parameter limits of SQLite and asyncpg


class Loaders:
    """The DataLoaders of one request; attribute names say ``<what>_by_<key>``."""

    def __init__(self, session: AsyncSession, caller: Caller) -> None:
        self.session = session
        self.caller = caller
        self._lock = asyncio.Lock()

    async def run(self, fetch: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run ``fetch(session, *args, **kwargs)`` alone on the session (statements never overlap).

        A cancelled statement leaves the connection unusable (the driver closes it), and GraphQL
        cancels sibling fields when one fails in a non-null position: so a cancellation waits for the
        running statement to finish, then propagates.
        """
        async with self._lock:
            work = asyncio.ensure_future(fetch(self.session, *args, **kwargs))
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await work
                raise

    async def idle(self) -> None:
        """Wait until no statement runs on the session (a cancelled field may still be finishing one).

        GraphQL does not wait for the sibling fields it cancels; the request must, before it closes
        the session, or the driver sees two operations at once.
        """
        async with self._lock:
            pass

    def _one(self, fetch: Callable[..., Awaitable[Sequence]], key_of: Callable[[Any], Hashable], **kw) -> DataLoader:
        async def load(keys: list) -> list:
            found = {key_of(row): row for row in await self.run(fetch, keys, **kw)}
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load, max_batch_size=MAX_BATCH)

    def _many(self, fetch: Callable[..., Awaitable[Sequence]], key_of: Callable[[Any], Hashable], **kw) -> DataLoader:
        async def load(keys: list) -> list[list]:
            groups: dict[Hashable, list] = defaultdict(list)
            for row in await self.run(fetch, keys, **kw):
                groups[key_of(row)].append(row)
            return [groups.get(key, []) for key in keys]

        return DataLoader(load_fn=load, max_batch_size=MAX_BATCH)

    # organisations
    @cached_property
    def entite_by_id(self) -> DataLoader[int, Any]:
        return self._one(db.entites_by_ids, lambda r: r.id)

    @cached_property
    def entite_by_finess(self) -> DataLoader[str, Any]:
        return self._one(db.entites_by_finess, lambda r: r.finess)

    @cached_property
    def etablissement_by_id(self) -> DataLoader[int, Any]:
        return self._one(db.etablissements_by_ids, lambda r: r.id)

    @cached_property
    def etablissement_by_finess(self) -> DataLoader[str, Any]:
        return self._one(db.etablissements_by_finess, lambda r: r.finess)

    @cached_property
    def etablissements_by_entite(self) -> DataLoader[int, list]:
        return self._many(db.etablissements_by_entite_ids, lambda r: r.entite_juridique_id)

    @cached_property
    def tarifs_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.tarifs_by_etablissement_ids, lambda r: r.etablissement_id)

    @cached_property
    def codes_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.codes_by_etablissement_ids, lambda r: r.etablissement_id)

    @cached_property
    def capacites_finess_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.capacites_finess_by_etablissement_ids, lambda r: r.etablissement_id)

    @cached_property
    def contacts_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.contacts_by_etablissement_ids, lambda r: r.etablissement_id, caller=self.caller)

    @cached_property
    def lieux_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.lieux_by_etablissement_ids, lambda r: r.etablissement_id, caller=self.caller)

    # offers
    @cached_property
    def unite_by_id(self) -> DataLoader[int, Any]:
        return self._one(db.unites_by_ids, lambda r: r.id, caller=self.caller)

    @cached_property
    def unite_by_identifiant(self) -> DataLoader[str, Any]:
        return self._one(db.unites_by_identifiants, lambda r: r.identifiant, caller=self.caller)

    @cached_property
    def unites_by_etablissement(self) -> DataLoader[int, list]:
        return self._many(db.unites_by_etablissement_ids, lambda r: r.etablissement_id, caller=self.caller)

    @cached_property
    def codes_by_unite(self) -> DataLoader[int, list]:
        return self._many(db.codes_by_unite_ids, lambda r: r.unite_id, caller=self.caller)

    @cached_property
    def horaires_by_unite(self) -> DataLoader[int, list]:
        return self._many(db.horaires_by_unite_ids, lambda r: r.unite_id, caller=self.caller)

    @cached_property
    def zones_by_unite(self) -> DataLoader[int, list]:
        return self._many(db.zones_by_unite_ids, lambda r: r.unite_id, caller=self.caller)

    @cached_property
    def contacts_by_unite(self) -> DataLoader[int, list]:
        return self._many(db.contacts_by_unite_ids, lambda r: r.unite_id, caller=self.caller)

    @cached_property
    def lieux_by_unite(self) -> DataLoader[int, list]:
        async def load(keys: list[int]) -> list[list]:
            groups: dict[int, list] = defaultdict(list)
            for unite_id, lieu in await self.run(db.lieux_by_unite_ids, keys, caller=self.caller):
                groups[unite_id].append(lieu)
            return [groups.get(key, []) for key in keys]

        return DataLoader(load_fn=load, max_batch_size=MAX_BATCH)

    # places
    @cached_property
    def capacites_by_lieu(self) -> DataLoader[int, list]:
        return self._many(db.capacites_by_lieu_ids, lambda r: r.lieu_id, caller=self.caller)

    @cached_property
    def equipements_by_lieu(self) -> DataLoader[int, list]:
        return self._many(db.equipements_by_lieu_ids, lambda r: r.lieu_id, caller=self.caller)

    @cached_property
    def limites_by_equipement(self) -> DataLoader[int, list]:
        return self._many(db.limites_by_equipement_ids, lambda r: r.equipement_id, caller=self.caller)

    @cached_property
    def habitations_by_lieu(self) -> DataLoader[int, list]:
        return self._many(db.habitations_by_lieu_ids, lambda r: r.lieu_id, caller=self.caller)

    # contacts
    @cached_property
    def telecoms_by_contact(self) -> DataLoader[int, list]:
        return self._many(db.telecoms_by_contact_ids, lambda r: r.contact_id, caller=self.caller)

    # reference data
    @cached_property
    def commune_by_code(self) -> DataLoader[str, Any]:
        return self._one(db.communes_by_codes, lambda r: r.code)
