"""The campaign dashboard: progress by département and category, the late structures, indicators over
time (from the daily snapshots), and its XLSX export.

Everything is aggregates plus public identity of the late EGs (FINESS, name, département, dates the
API already shows): nothing confidential, so support's screen and its export carry the same data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Campagne, CampagneSnapshot, Departement, Etablissement, utcnow
from ror_graph.services.campagne.statuts import EN_RETARD, LIBELLES, STATUTS, Ligne, in_scope, progression, statut_expr

LATE_LIST = 500
HISTORY_DAYS = 400


@dataclass(frozen=True)
class Point:
    """One day of a territory's indicators (shares 0..1)."""

    jour: date
    part_complets: float
    part_valides: float


@dataclass(frozen=True)
class Tableau:
    """What the campaign dashboard shows."""

    campagne: Campagne
    totaux: dict[str, int]
    par_departement: list[Ligne]
    par_categorie: list[Ligne]
    lignes: list[Ligne]
    en_retard: list[Etablissement]
    noms_departements: dict[str, str]
    courbes: dict[str, list[Point]]

    @property
    def total(self) -> int:
        return sum(self.totaux.values())


def _sum_by(lines: list[Ligne], key: str) -> list[Ligne]:
    merged: dict[str, dict[str, int]] = {}
    for line in lines:
        name = line.departement if key == "departement" else line.categorie
        bucket = merged.setdefault(name, dict.fromkeys(STATUTS, 0))
        for s, n in line.comptes.items():
            bucket[s] += n
    return [Ligne(departement=k if key == "departement" else "", categorie=k if key == "categorie" else "",
                  comptes=v) for k, v in sorted(merged.items())]


async def courbes(session: AsyncSession, campagne: Campagne, *, now: datetime) -> dict[str, list[Point]]:
    """Series per territory: the campaign's région (or nation) and each of its départements."""
    since = (now - timedelta(days=HISTORY_DAYS)).date()
    query = select(CampagneSnapshot).where(col(CampagneSnapshot.jour) >= since).order_by(col(CampagneSnapshot.jour))
    if campagne.region_code:
        query = query.where(CampagneSnapshot.region_code == campagne.region_code)
    series: dict[str, list[Point]] = {}
    for row in await session.exec(query):
        if row.departement_code and campagne.departements and row.departement_code not in campagne.departements:
            continue
        if not row.departement_code and row.region_code != (campagne.region_code or ""):
            continue
        name = row.departement_code or (f"région {row.region_code}" if row.region_code else "national")
        series.setdefault(name, []).append(Point(row.jour, row.complets / row.total if row.total else 0.0,
                                                 row.valides_12_mois / row.total if row.total else 0.0))
    return series


async def tableau(session: AsyncSession, campagne: Campagne, *, now: datetime | None = None) -> Tableau:
    """The dashboard of ``campagne`` at ``now``: one grouped count, the late list, the snapshot series."""
    now = now or utcnow()
    lines = await progression(session, campagne, now=now)
    totaux = dict.fromkeys(STATUTS, 0)
    for line in lines:
        for s, n in line.comptes.items():
            totaux[s] += n
    late: list[Etablissement] = []
    if totaux[EN_RETARD]:  # nobody is late before the deadline: no need to look
        late = list((await session.exec(select(Etablissement).where(*in_scope(campagne),
                                                                     statut_expr(campagne, now) == EN_RETARD)
                                        .order_by(col(Etablissement.departement_code), col(Etablissement.finess))
                                        .limit(LATE_LIST))).all())
    names = dict((await session.exec(select(Departement.code, Departement.nom))).all())
    return Tableau(campagne=campagne, totaux=totaux, par_departement=_sum_by(lines, "departement"),
                   par_categorie=_sum_by(lines, "categorie"), lignes=lines, en_retard=late, noms_departements=names,
                   courbes=await courbes(session, campagne, now=now))


def to_xlsx(data: Tableau) -> bytes:
    """Three sheets: progress by département × category, the late structures, indicators over time."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Progression")
    sheet.append(["Département", "Nom", "Catégorie", *[LIBELLES[s] for s in STATUTS], "Total", "% validées"])
    for line in data.lignes:
        sheet.append([line.departement, data.noms_departements.get(line.departement, ""), line.categorie,
                      *[line.comptes[s] for s in STATUTS], line.total,
                      round(100 * line.comptes["validee"] / line.total, 1) if line.total else 0])
    late = book.create_sheet("En retard")
    late.append(["FINESS", "Raison sociale", "Département", "Catégorie", "Dernière modification",
                 "Dernière validation"])
    for eg in data.en_retard:
        late.append([eg.finess, eg.raison_sociale, eg.departement_code, eg.categorie_code,
                     _naive(eg.derniere_modification_at), _naive(eg.derniere_validation_at)])
    history = book.create_sheet("Indicateurs")
    history.append(["Territoire", "Jour", "% complets", "% validés < 12 mois"])
    for name, points in data.courbes.items():
        for p in points:
            history.append([name, p.jour, round(100 * p.part_complets, 1), round(100 * p.part_valides, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _naive(value: datetime | None) -> datetime | None:
    """Spreadsheets have no time zones: UTC, without tzinfo."""
    return value.replace(tzinfo=None) if value is not None and value.tzinfo else value
