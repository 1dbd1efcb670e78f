"""Which EGs a campaign covers and where each one stands, as SQL (filterable, countable in one query).

Statuses, from the EG's own dates (``services.suivi``: every declared change of the EG or one of its
offers sets ``derniere_modification_at``; the directeur's validation sets ``derniere_validation_at``):

* ``validee``: validated since the opening;
* ``en_retard``: not validated and the deadline has passed;
* ``en_cours``: edited since the opening, not validated yet;
* ``a_faire``: nothing since the opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Campagne, Etablissement, utcnow
from ror_graph.services.core.errors import BadInputError

A_FAIRE, EN_COURS, VALIDEE, EN_RETARD = "a_faire", "en_cours", "validee", "en_retard"
STATUTS = (A_FAIRE, EN_COURS, VALIDEE, EN_RETARD)
LIBELLES = {A_FAIRE: "à faire", EN_COURS: "en cours", VALIDEE: "validée", EN_RETARD: "en retard"}
MAX_PAGE = 100


def in_scope(campagne: Campagne) -> list[Any]:
    """SQL conditions on ``Etablissement``: open, in the territory and categories of ``campagne``."""
    conditions: list[Any] = [col(Etablissement.ferme).is_(False)]
    if campagne.region_code:
        conditions.append(col(Etablissement.region_code) == campagne.region_code)
    if campagne.departements:
        conditions.append(col(Etablissement.departement_code).in_(campagne.departements))
    if campagne.categories:
        conditions.append(col(Etablissement.categorie_code).in_(campagne.categories))
    return conditions


def statut_expr(campagne: Campagne, now: datetime) -> Any:
    """The status of an EG of ``campagne`` at ``now``, as a SQL ``CASE``."""
    return case(
        (col(Etablissement.derniere_validation_at) >= campagne.ouverture, literal(VALIDEE)),
        (literal(now > campagne.echeance), literal(EN_RETARD)),
        (col(Etablissement.derniere_modification_at) >= campagne.ouverture, literal(EN_COURS)),
        else_=literal(A_FAIRE),
    )


def statut_of(campagne: Campagne, eg: Etablissement, now: datetime) -> str:
    """Same rule as ``statut_expr``, for one loaded EG."""
    if eg.derniere_validation_at is not None and eg.derniere_validation_at >= campagne.ouverture:
        return VALIDEE
    if now > campagne.echeance:
        return EN_RETARD
    if eg.derniere_modification_at is not None and eg.derniere_modification_at >= campagne.ouverture:
        return EN_COURS
    return A_FAIRE


def covers(campagne: Campagne, eg: Etablissement) -> bool:
    """Whether ``eg`` is in the scope of ``campagne`` (same rule as ``in_scope``)."""
    return (not eg.ferme and (not campagne.region_code or eg.region_code == campagne.region_code)
            and (not campagne.departements or eg.departement_code in campagne.departements)
            and (not campagne.categories or eg.categorie_code in campagne.categories))


async def campagnes(session: AsyncSession, *, actives_seulement: bool = False) -> list[Campagne]:
    """Campaigns, newest opening first."""
    query = select(Campagne).order_by(col(Campagne.ouverture).desc(), col(Campagne.id).desc())
    if actives_seulement:
        query = query.where(col(Campagne.active).is_(True))
    return list((await session.exec(query)).all())


async def campagne_de(session: AsyncSession, eg: Etablissement, *, now: datetime | None = None
                      ) -> tuple[Campagne, str] | None:
    """The latest opened active campaign covering ``eg`` and its status there (``None`` if none)."""
    now = now or utcnow()
    for campagne in await campagnes(session, actives_seulement=True):
        if campagne.ouverture <= now and covers(campagne, eg):
            return campagne, statut_of(campagne, eg, now)
    return None


@dataclass(frozen=True)
class Filtre:
    """Filters of a campaign's EG list (each optional)."""

    statut: str | None = None
    departement: str | None = None
    categorie: str | None = None

    def check(self) -> None:
        if self.statut is not None and self.statut not in STATUTS:
            raise BadInputError(f"Unknown status; expected one of {', '.join(STATUTS)}.", field="statut")


async def etablissements(session: AsyncSession, campagne: Campagne, *, now: datetime | None = None,
                         filtre: Filtre = Filtre(), first: int = 50, offset: int = 0
                         ) -> tuple[list[tuple[Etablissement, str]], int]:
    """A page of the campaign's EGs (by FINESS) with their status, and the total matching ``filtre``."""
    filtre.check()
    if not 0 < first <= MAX_PAGE or offset < 0:
        raise BadInputError(f"first must be within 1..{MAX_PAGE}, offset ≥ 0.", field="first")
    statut = statut_expr(campagne, now or utcnow())
    conditions = in_scope(campagne)
    if filtre.statut:
        conditions.append(statut == filtre.statut)
    if filtre.departement:
        conditions.append(col(Etablissement.departement_code) == filtre.departement)
    if filtre.categorie:
        conditions.append(col(Etablissement.categorie_code) == filtre.categorie)
    total = (await session.exec(select(func.count()).select_from(Etablissement).where(and_(*conditions)))).one()
    rows = await session.exec(select(Etablissement, statut).where(*conditions)
                              .order_by(col(Etablissement.finess)).offset(offset).limit(first))
    return [(eg, s) for eg, s in rows], total


@dataclass(frozen=True)
class Ligne:
    """Counts of one département × category of a campaign, by status."""

    departement: str
    categorie: str
    comptes: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.comptes.values())


async def progression(session: AsyncSession, campagne: Campagne, *, now: datetime | None = None) -> list[Ligne]:
    """Counts per département × category × status: one ``GROUP BY`` of ``SUM(CASE …)`` per status.

    Grouped on the columns themselves (not on the status expression, which PostgreSQL would not match
    to a copy with other bound parameters), and answered from the ``ix_etablissement_campagne``
    covering index: no table row is read.
    """
    statut = statut_expr(campagne, now or utcnow())
    dep, cat = col(Etablissement.departement_code), col(Etablissement.categorie_code)
    sums = [func.sum(case((statut == s, 1), else_=0)) for s in STATUTS]
    conn = await session.connection()
    rows = (await conn.execute(select(dep, cat, *sums).where(*in_scope(campagne)).group_by(dep, cat))).all()
    lines = [Ligne(departement=row[0] or "", categorie=row[1] or "",
                   comptes={s: int(row[2 + i] or 0) for i, s in enumerate(STATUTS)}) for row in rows]
    return sorted(lines, key=lambda line: (line.departement, line.categorie))
