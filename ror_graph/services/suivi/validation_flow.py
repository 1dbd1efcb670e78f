"""Description lifecycle of an EG (décret 2023-1057): modified → to validate → validated, yearly.

* ``statut_description``: ``a_completer`` (never described since import), ``modifie`` (a declared
  change is waiting for the directeur), ``valide``. Every declared change of the EG or of one of its
  offers sets ``modifie`` and ``derniere_modification`` (see ``write_common.mark_modified``).
* ``valider_etablissement``: the directeur (scoped) validates; support/admin may validate on his
  behalf with a motif. Référents cannot validate.
* ``a_mettre_a_jour``: not validated within the last 12 months (calendar months; clock injectable).
* Completeness against the mandatory fields of the national guides (``completeness`` module) and
  ``indicateurs`` per département or région.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, Role, utcnow
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.accounts.scope import authorize, load_etablissement
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, ForbiddenError
from ror_graph.services.core.write import WriteOperation
from ror_graph.services.core.write_common import clean_text
from ror_graph.services.etablissement.inputs import EtablissementValidation
from ror_graph.services.suivi.completeness import (
    Completeness,
    completeness_etablissement,
    completeness_unite,
    etablissements_complets,
)

STATUT_A_COMPLETER, STATUT_MODIFIE, STATUT_VALIDE = "a_completer", "modifie", "valide"
VALIDATOR_ROLES = frozenset({Role.directeur.value, Role.support.value, Role.admin.value})

__all__ = [
    "STATUT_A_COMPLETER",
    "STATUT_MODIFIE",
    "STATUT_VALIDE",
    "Completeness",
    "Indicateurs",
    "ValidateEtablissement",
    "a_mettre_a_jour",
    "completeness_etablissement",
    "completeness_unite",
    "indicateurs",
    "twelve_months_before",
    "valider_etablissement",
]


def twelve_months_before(now: datetime) -> datetime:
    """Same instant one year earlier (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - 1)
    except ValueError:
        return now.replace(year=now.year - 1, day=28)


def a_mettre_a_jour(etablissement: Etablissement, *, now: datetime | None = None) -> bool:
    """True when the EG's description was never validated or not within the last 12 months."""
    last = etablissement.derniere_validation_at
    return last is None or last < twelve_months_before(now or utcnow())


class ValidateEtablissement(WriteOperation[Etablissement]):
    """The directeur (scoped) validates; support/admin on his behalf with a motif. Référents never."""

    def __init__(self, session: AsyncSession, principal: Principal, finess: str, data: EtablissementValidation,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, **kwargs)
        self.finess, self.data = finess, data

    async def load(self) -> None:
        self.row, self.ej = await load_etablissement(self.session, self.finess)

    def authorize(self) -> None:
        authorize(self.principal, self.row, self.ej)
        if self.principal.role not in VALIDATOR_ROLES:
            raise ForbiddenError("Only the directeur (or support on his behalf) validates a description.")

    def check_version(self) -> None:
        if self.version is not None:  # optional: the version the director reviewed, if he sends it
            super().check_version()

    async def clean(self) -> None:
        self.reason = clean_text(self.data.motif, field="motif", max_length=2000)
        if self.principal.is_global and not self.reason:
            raise BadInputError("Validating on behalf of the directeur needs a motif.", field="motif")

    def audit_motif(self) -> str | None:
        return self.reason

    async def apply(self, cs: ChangeSet) -> None:
        eg = self.row
        cs.set(eg, "etablissement", eg.finess, "statut_description", STATUT_VALIDE)
        cs.set(eg, "etablissement", eg.finess, "derniere_validation_at", self.now)
        cs.set(eg, "etablissement", eg.finess, "derniere_validation_par", self.principal.name)

    async def enqueue(self, cs: ChangeSet) -> None:
        cs.enqueue("etablissement", self.row.id)


async def valider_etablissement(
    session: AsyncSession, principal: Principal, *, finess: str, data: EtablissementValidation | None = None,
    version: int | None = None, now: datetime | None = None,
) -> Etablissement:
    """Validate EG ``finess``'s description; commits and returns the EG.

    ``version``, when given, must be the one the director read (so he does not validate a
    description changed meanwhile). Validation bumps the version and is audited
    (``statut_description``, ``derniere_validation_*``).
    """
    operation = ValidateEtablissement(session, principal, finess, data or EtablissementValidation(), version=version,
                                      now=now)
    return await operation.run()


@dataclass(frozen=True)
class Indicateurs:
    """Steering figures for a territory: open EGs, complete ones, validated within 12 months."""

    total: int
    complets: int
    valides_12_mois: int
    a_mettre_a_jour: int
    part_complets: float
    part_valides: float


async def indicateurs(
    session: AsyncSession, *, departement: str | None = None, region: str | None = None,
    now: datetime | None = None,
) -> Indicateurs:
    """Indicators over the open EGs of ``departement`` and/or ``region`` (national when neither).

    An EG counts as complete when its own mandatory items and those of every open offer are present.
    """
    now = now or utcnow()
    query = select(Etablissement.id, Etablissement.derniere_validation_at).where(Etablissement.ferme == False)  # noqa: E712
    if departement:
        query = query.where(Etablissement.departement_code == departement)
    if region:
        query = query.where(Etablissement.region_code == region)
    rows = (await session.exec(query)).all()
    total = len(rows)
    threshold = twelve_months_before(now)
    valides = sum(1 for _, at in rows if at is not None and at >= threshold)
    complets = len(await etablissements_complets(session, [eg_id for eg_id, _ in rows if eg_id is not None]))
    return Indicateurs(
        total=total, complets=complets, valides_12_mois=valides, a_mettre_a_jour=total - valides,
        part_complets=complets / total if total else 0.0, part_valides=valides / total if total else 0.0,
    )
