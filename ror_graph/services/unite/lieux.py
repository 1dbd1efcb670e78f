"""Lieux of an offer with their capacities, équipements and habitations: validation and writes.

A lieu belongs to the établissement and may serve several offers; an offer's ``lieux`` list names
existing lieux of the same EG (``id``) or new ones, and replaces the offer's links. Resources of a
lieu in the list (capacités, équipements, habitations) are replaced by the ones sent.

Capacity statuses 08 (installé constaté) and 09 (autorisé) belong to FINESS: declaring them is
``FINESS_LOCKED``. The EG's installed capacity (statut 01, temporalité 01 courant, summed over all
its lieux after the write) may not exceed its FINESS authorised capacity (``CapaciteFiness`` statut
09) when FINESS sent one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Capacite,
    CapaciteFiness,
    Commune,
    Equipement,
    EquipementLimite,
    Etablissement,
    Habitation,
    Lieu,
    registry,
)
from ror_graph.models.coded import (
    AFFECTATION,
    EQUIPEMENT,
    FERMETURE_CAPACITE,
    FONCTION_LIEU,
    GENRE_CAPACITE,
    HABITATION,
    LIT_SUPPLEMENTAIRE,
    NATURE_CAPACITE,
    SOURCE_CAPACITE,
    STATUT_CAPACITE,
    STATUT_LIEU,
    TEMPORALITE_CAPACITE,
)
from ror_graph.services.core.errors import BadInputError, FinessLockedError
from ror_graph.services.core.validation import check_codes, commune_code_ok
from ror_graph.services.core.write_common import check_int, check_list, clean_code, clean_text, column_length
from ror_graph.services.unite.inputs import (
    CapaciteInput,
    EquipementInput,
    EquipementLimiteInput,
    HabitationInput,
    LieuInput,
)

FINESS_CAPACITY_STATUSES = frozenset({"08", "09"})
INSTALLED, AUTHORISED, CURRENT = "01", "09", "01"
ADDRESS_FIELDS = ("numero_voie", "type_voie", "libelle_voie", "complement_voie", "lieu_dit", "code_postal",
                  "libelle_acheminement")
CAPACITE_KEYS = ("nature_code", "statut_code", "temporalite_code", "genre_code", "affectation_code",
                 "type_fermeture_code", "type_lit_code", "source_code", "nombre")


def _coordinate(value: Any, *, field: str, bound: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
        raise BadInputError(f"Expected a WGS84 coordinate between {-bound} and {bound}.", field=field)
    return float(value)


def _clean_capacite(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, CapaciteInput):
        raise BadInputError("Expected a capacity.", field=where)
    row: dict[str, Any] = {key: clean_code(getattr(item, key), field=f"{where}.{key.removesuffix('_code')}",
                           required=key in {"nature_code", "statut_code", "temporalite_code", "affectation_code",
                                            "source_code"})
           for key in CAPACITE_KEYS if key != "nombre"}
    row["nombre"] = check_int(item.nombre, field=f"{where}.nombre", required=True)
    if row["statut_code"] in FINESS_CAPACITY_STATUSES:
        raise FinessLockedError("Authorised and observed-installed capacities (08, 09) come from FINESS.",
                                field=f"{where}.statut")
    if row["type_fermeture_code"] and row["statut_code"] != "05":
        raise BadInputError("A closing type only goes with statut 05 (fermé).", field=f"{where}.typeFermeture")
    if row["type_lit_code"] and row["statut_code"] != "06":
        raise BadInputError("An extra-bed type only goes with statut 06 (supplémentaire).", field=f"{where}.typeLit")
    return row


def _clean_equipement(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, EquipementInput):
        raise BadInputError("Expected an equipment.", field=where)
    limites = []
    for k, lim in enumerate(check_list(item.limites, field=f"{where}.limites", max_items=20)):
        lwhere = f"{where}.limites[{k}]"
        if not isinstance(lim, EquipementLimiteInput):
            raise BadInputError("Expected a limit.", field=lwhere)
        valeur = lim.valeur
        if isinstance(valeur, bool) or not isinstance(valeur, int | float) or not 0 <= valeur <= 1e6:
            raise BadInputError("Expected a number between 0 and 1000000.", field=f"{lwhere}.valeur")
        limites.append({"caracteristique_code": clean_code(lim.caracteristique_code, field=f"{lwhere}.caracteristique",
                                                           required=True),
                        "valeur": float(valeur),
                        "unite": clean_code(lim.unite, field=f"{lwhere}.unite", required=True)})
    return {"type_code": clean_code(item.type_code, field=f"{where}.type", required=True),
            "nombre_en_service": check_int(item.nombre_en_service, field=f"{where}.nombreEnService"),
            "limites": sorted(limites, key=lambda d: (d["caracteristique_code"], d["unite"]))}


# What an equipment limit measures: its nomenclature (TRE_R340) is the registry's.
LIMITE = registry.attribute(registry.Entity.lieu, "equipements_limites")
CAPACITE_SYSTEMS = (("nature_code", NATURE_CAPACITE), ("statut_code", STATUT_CAPACITE),
                    ("temporalite_code", TEMPORALITE_CAPACITE), ("genre_code", GENRE_CAPACITE),
                    ("affectation_code", AFFECTATION), ("type_fermeture_code", FERMETURE_CAPACITE),
                    ("type_lit_code", LIT_SUPPLEMENTAIRE), ("source_code", SOURCE_CAPACITE))


def _clean_habitations(item: LieuInput, where: str) -> list[dict[str, Any]]:
    habitations = []
    for j, h in enumerate(check_list(item.habitations, field=f"{where}.habitations", max_items=20)):
        if not isinstance(h, HabitationInput):
            raise BadInputError("Expected a habitation.", field=f"{where}.habitations[{j}]")
        habitations.append({"type_code": clean_code(h.type_code, field=f"{where}.habitations[{j}].type",
                                                    required=True),
                            "nombre": check_int(h.nombre, field=f"{where}.habitations[{j}].nombre")})
    return sorted(habitations, key=lambda d: (d["type_code"], str(d["nombre"])))


def _clean_lieu(item: Any, where: str) -> dict[str, Any]:
    """One lieu with its resources, normalised (codes are checked against their systems by the caller)."""
    if not isinstance(item, LieuInput):
        raise BadInputError("Expected a lieu.", field=where)
    commune = clean_code(item.commune_code, field=f"{where}.commune", required=True)
    if not commune_code_ok(commune):
        raise BadInputError(f"{commune!r} is not an INSEE COG commune code.", field=f"{where}.commune")
    row: dict[str, Any] = {
        "id": check_int(item.id, field=f"{where}.id", low=1, high=2**31 - 1),
        "commune_code": commune,
        "nom": clean_text(item.nom, field=f"{where}.nom", max_length=300),
        "description": clean_text(item.description, field=f"{where}.description", max_length=2000),
        "fonction_code": clean_code(item.fonction_code, field=f"{where}.fonction"),
        "statut_code": clean_code(item.statut_code, field=f"{where}.statut") or "3",
        "latitude": _coordinate(item.latitude, field=f"{where}.latitude", bound=90),
        "longitude": _coordinate(item.longitude, field=f"{where}.longitude", bound=180),
    }
    for name in ADDRESS_FIELDS:
        row[name] = clean_text(getattr(item, name), field=f"{where}.{name}", max_length=column_length(Lieu, name))
    row["capacites"] = sorted(
        (_clean_capacite(c, f"{where}.capacites[{j}]")
         for j, c in enumerate(check_list(item.capacites, field=f"{where}.capacites", max_items=100))),
        key=lambda d: tuple(str(d[k]) for k in CAPACITE_KEYS))
    row["equipements"] = sorted(
        (_clean_equipement(e, f"{where}.equipements[{j}]")
         for j, e in enumerate(check_list(item.equipements, field=f"{where}.equipements", max_items=100))),
        key=lambda d: (d["type_code"], str(d["nombre_en_service"])))
    row["habitations"] = _clean_habitations(item, where)
    return row


def _codes_of(lieux: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Every code the lieux use, by nomenclature system."""
    codes: dict[str, set[str]] = {}
    pairs = [(FONCTION_LIEU, row["fonction_code"]) for row in lieux]
    pairs += [(STATUT_LIEU, row["statut_code"]) for row in lieux]
    pairs += [(system, cap[key]) for row in lieux for cap in row["capacites"] for key, system in CAPACITE_SYSTEMS]
    pairs += [(EQUIPEMENT, eq["type_code"]) for row in lieux for eq in row["equipements"]]
    pairs += [(LIMITE.code_system, lim["caracteristique_code"]) for row in lieux for eq in row["equipements"]
              for lim in eq["limites"]]
    pairs += [(HABITATION, hab["type_code"]) for row in lieux for hab in row["habitations"]]
    for system, code in pairs:
        if code is not None:
            codes.setdefault(system, set()).add(code)
    return codes


async def clean_lieux(session: AsyncSession, etablissement: Etablissement, value: Any) -> list[dict[str, Any]]:
    """Validate an offer's lieux (codes, commune, resources) without writing; normalised dicts."""
    lieux = [_clean_lieu(item, f"lieux[{i}]") for i, item in enumerate(check_list(value, field="lieux", max_items=50))]
    ids = [row["id"] for row in lieux if row["id"] is not None]
    if len(ids) != len(set(ids)):
        raise BadInputError("The same lieu is listed twice.", field="lieux")
    if ids:
        owned = set(await session.exec(select(Lieu.id).where(col(Lieu.id).in_(ids),
                                                               Lieu.etablissement_id == etablissement.id)))
        for i, row in enumerate(lieux):
            if row["id"] is not None and row["id"] not in owned:
                raise BadInputError(f"Lieu {row['id']} is not a lieu of this établissement.", field=f"lieux[{i}].id")
    communes = {row["commune_code"] for row in lieux}
    if communes:
        known = set(await session.exec(select(Commune.code).where(col(Commune.code).in_(communes))))
        for i, row in enumerate(lieux):
            if row["commune_code"] not in known:
                raise BadInputError(f"Unknown commune {row['commune_code']!r}.", field=f"lieux[{i}].commune")
    for system, values in sorted(_codes_of(lieux).items()):
        await check_codes(session, system, values, field=f"lieux.{system}")
    await _check_installed_capacity(session, etablissement, lieux)
    return lieux


async def _check_installed_capacity(session: AsyncSession, etablissement: Etablissement,
                                    lieux: list[dict[str, Any]]) -> None:
    authorised = (await session.exec(select(func.count(), func.coalesce(func.sum(CapaciteFiness.nombre), 0)).where(
        CapaciteFiness.etablissement_id == etablissement.id, CapaciteFiness.statut_code == AUTHORISED))).one()
    if not authorised[0]:
        return  # FINESS sent no authorised capacity for this EG: nothing to compare with
    rewritten = [row["id"] for row in lieux if row["id"] is not None]
    others = select(func.coalesce(func.sum(Capacite.nombre), 0)).join(Lieu, col(Lieu.id) == Capacite.lieu_id).where(
        Lieu.etablissement_id == etablissement.id, Capacite.statut_code == INSTALLED,
        Capacite.temporalite_code == CURRENT, col(Lieu.id).not_in(rewritten))
    installed = (await session.exec(others)).one() + sum(
        cap["nombre"] for row in lieux for cap in row["capacites"]
        if cap["statut_code"] == INSTALLED and cap["temporalite_code"] == CURRENT)
    if installed > authorised[1]:
        raise BadInputError(
            f"Installed capacity ({installed}) would exceed the FINESS authorised capacity ({authorised[1]}).",
            field="lieux")


async def current_lieux(session: AsyncSession, lieu_ids: list[int]) -> list[dict[str, Any]]:
    """Stored lieux in the normalised shape of ``clean_lieux`` (for diffing and auditing)."""
    if not lieu_ids:
        return []
    lieux = (await session.exec(select(Lieu).where(col(Lieu.id).in_(lieu_ids)).order_by(col(Lieu.id)))).all()
    caps = (await session.exec(select(Capacite).where(col(Capacite.lieu_id).in_(lieu_ids)))).all()
    eqs = (await session.exec(select(Equipement).where(col(Equipement.lieu_id).in_(lieu_ids)))).all()
    lims = (await session.exec(select(EquipementLimite).where(
        col(EquipementLimite.equipement_id).in_([e.id for e in eqs] or [-1])))).all()
    habs = (await session.exec(select(Habitation).where(col(Habitation.lieu_id).in_(lieu_ids)))).all()
    result = []
    for lieu in lieux:
        row = {k: getattr(lieu, k) for k in ("id", "commune_code", "nom", "description", "fonction_code",
                                              "statut_code", "latitude", "longitude", *ADDRESS_FIELDS)}
        row["capacites"] = sorted(({k: getattr(c, k) for k in CAPACITE_KEYS} for c in caps if c.lieu_id == lieu.id),
                                  key=lambda d: tuple(str(d[k]) for k in CAPACITE_KEYS))
        row["equipements"] = sorted(
            ({"type_code": e.type_code, "nombre_en_service": e.nombre_en_service,
              "limites": sorted(({"caracteristique_code": m.caracteristique_code, "valeur": m.valeur, "unite": m.unite}
                                 for m in lims if m.equipement_id == e.id),
                                key=lambda d: (d["caracteristique_code"], d["unite"]))}
             for e in eqs if e.lieu_id == lieu.id),
            key=lambda d: (d["type_code"], str(d["nombre_en_service"])))
        row["habitations"] = sorted(({"type_code": h.type_code, "nombre": h.nombre} for h in habs
                                     if h.lieu_id == lieu.id), key=lambda d: (d["type_code"], str(d["nombre"])))
        result.append(row)
    return result


async def write_lieux(session: AsyncSession, etablissement: Etablissement, lieux: list[dict[str, Any]],
                      now: datetime) -> list[int]:
    """Create or update the given lieux and replace their resources; returns their ids in order."""
    conn = await session.connection()
    ids: list[int] = []
    for row in lieux:
        fields = {k: v for k, v in row.items() if k not in {"id", "capacites", "equipements", "habitations"}}
        if row["id"] is None:
            assert etablissement.id is not None  # loaded
            lieu = Lieu(etablissement_id=etablissement.id, created_at=now, updated_at=now, **fields)
            session.add(lieu)
            await session.flush()
        else:
            found = await session.get(Lieu, row["id"])
            assert found is not None  # ``clean_lieux`` checked the id against the EG's lieux
            lieu = found
            for key, value in fields.items():
                setattr(lieu, key, value)
            lieu.version += 1
            lieu.updated_at = now
            await conn.execute(delete(Capacite).where(col(Capacite.lieu_id) == lieu.id))
            await conn.execute(delete(Equipement).where(col(Equipement.lieu_id) == lieu.id))
            await conn.execute(delete(Habitation).where(col(Habitation.lieu_id) == lieu.id))
        lieu_id = lieu.id
        assert lieu_id is not None  # flushed or loaded
        session.add_all(Capacite(lieu_id=lieu_id, updated_at=now, **cap) for cap in row["capacites"])
        session.add_all(Habitation(lieu_id=lieu_id, **hab) for hab in row["habitations"])
        for eq in row["equipements"]:
            equipement = Equipement(lieu_id=lieu_id, type_code=eq["type_code"],
                                    nombre_en_service=eq["nombre_en_service"])
            session.add(equipement)
            await session.flush()
            equipement_id = equipement.id
            assert equipement_id is not None  # flushed
            session.add_all(EquipementLimite(equipement_id=equipement_id, **lim) for lim in eq["limites"])
        ids.append(lieu_id)
    await session.flush()
    return ids
