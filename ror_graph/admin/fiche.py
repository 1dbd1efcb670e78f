"""The EG page ("fiche établissement"): everything support needs about one EG on one page.

Identity (FINESS-owned, locked, each with its "corriger" link), declared fields, units with their
completeness, lieux with capacities, contacts grouped by confidentiality level and the history of
the EG and its units as a timeline of changes (one entry per write, its fields as "old → new").
Every read asks the visibility policy (``services.policy``) what the logged-in person may see,
even though support and admin see everything today: the page never decides that on its own.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.admin.display import label_of, labelled_kind
from ror_graph.models import AuditLog, Capacite, Contact, Etablissement, Lieu, Telecom, Unite, finess_owned_fields
from ror_graph.services.policy.audit import visible_entry
from ror_graph.services.policy.visibility import level_clause, lieu_visible, unite_visible
from ror_graph.services.suivi.reads import completeness_unites
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS

HISTORY_ENTRIES = 30
LEVELS = {1: "Niveau 1 — public", 2: "Niveau 2 — professionnels", 3: "Niveau 3 — régulation"}
SOURCES = {"admin": "back office", "api": "API", "finess": "import FINESS", "import": "import FINESS"}


@dataclass
class Line:
    """One labelled value of a block (``code`` when the value is a code, for the "corriger" form)."""

    name: str
    label: str
    text: str


@dataclass
class Change:
    """One write of the timeline: when, who, why, and its field changes as readable text."""

    at: datetime
    actor: str
    source: str
    motif: str | None
    diffs: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Fiche:
    identity: list[Line]
    declared: list[Line]
    unites: list[dict[str, Any]]
    lieux: list[dict[str, Any]]
    contacts: dict[str, list[dict[str, Any]]]
    timeline: list[Change]


async def shown(sessions: Any, model: type, name: str, value: Any) -> str:
    """A value as the page prints it: label for a code, oui/non, dates in French, — when empty."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    kind = labelled_kind(model, name)
    if kind is not None:
        return await label_of(sessions, kind, value) or f"{value} (code inconnu)"
    if isinstance(value, datetime):
        from ror_graph.admin.base import fr_datetime

        return fr_datetime(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


async def load_fiche(sessions: Any, session: AsyncSession, caller: Any, eg: Etablissement,
                     entity_labels: dict[str, dict[str, str]], declared: tuple[str, ...]) -> Fiche:
    labels = entity_labels["etablissement"]
    owned = list(finess_owned_fields(Etablissement))
    identity = [Line(n, labels.get(n, n), await shown(sessions, Etablissement, n, getattr(eg, n))) for n in owned]
    decl = [Line(n, labels.get(n, n), await shown(sessions, Etablissement, n, getattr(eg, n))) for n in declared]
    unites = list((await session.exec(select(Unite).where(Unite.etablissement_id == eg.id, unite_visible(caller))
                                      .order_by(col(Unite.ferme), col(Unite.nom)))).all())
    return Fiche(identity, decl, await _unites(sessions, session, unites), await _lieux(sessions, session, caller, eg),
                 await _contacts(sessions, session, caller, eg, unites),
                 await timeline(sessions, session, caller, eg, unites, entity_labels))


async def _unites(sessions: Any, session: AsyncSession, unites: list[Unite]) -> list[dict[str, Any]]:
    scores = await completeness_unites(session, unites) if unites else []
    return [{"id": u.id, "identifiant": u.identifiant, "nom": u.nom,
             "type": await shown(sessions, Unite, "type_offre_code", u.type_offre_code),
             "statut": "Fermée" if u.ferme else "Ouverte", "sensible": u.unite_sensible,
             "completude": f"{round(score.score * 100)} %", "manque": ", ".join(score.missing),
             "modifiee": await shown(sessions, Unite, "updated_at", u.updated_at)}
            for u, score in zip(unites, scores, strict=True)]


async def _lieux(sessions: Any, session: AsyncSession, caller: Any, eg: Etablissement) -> list[dict[str, Any]]:
    lieux = list((await session.exec(select(Lieu).where(Lieu.etablissement_id == eg.id, lieu_visible(caller, Lieu.id))
                                     .order_by(col(Lieu.nom)))).all())
    capacities: dict[int, list[str]] = defaultdict(list)
    if lieux:
        for cap in await session.exec(select(Capacite).where(col(Capacite.lieu_id).in_([lieu.id for lieu in lieux]))):
            nature = await shown(sessions, Capacite, "nature_code", cap.nature_code)
            statut = await shown(sessions, Capacite, "statut_code", cap.statut_code)
            capacities[cap.lieu_id].append(f"{cap.nombre} — {nature} ({statut})")
    return [{"nom": lieu.nom or "—", "fonction": await shown(sessions, Lieu, "fonction_code", lieu.fonction_code),
             "commune": await shown(sessions, Lieu, "commune_code", lieu.commune_code),
             "capacites": capacities.get(lieu.id or 0, [])} for lieu in lieux]


async def _contacts(sessions: Any, session: AsyncSession, caller: Any, eg: Etablissement,
                    unites: list[Unite]) -> dict[str, list[dict[str, Any]]]:
    owners = {u.id: u.nom for u in unites}
    where = or_(col(Contact.etablissement_id) == eg.id, col(Contact.unite_id).in_(list(owners)))
    contacts = list((await session.exec(select(Contact).where(where, level_clause(caller, Contact.confidentialite))
                                        .order_by(col(Contact.confidentialite), col(Contact.id)))).all())
    telecoms: dict[int, list[str]] = defaultdict(list)
    if contacts:
        rows = await session.exec(select(Telecom).where(
            and_(col(Telecom.contact_id).in_([c.id for c in contacts]), level_clause(caller, Telecom.confidentialite))))
        for t in rows:
            telecoms[t.contact_id].append(f"{await shown(sessions, Telecom, 'canal_code', t.canal_code)} : {t.valeur}")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for c in contacts:
        grouped.setdefault(LEVELS.get(c.confidentialite, str(c.confidentialite)), []).append({
            "nom": c.nom or c.fonction or "—", "nature": await shown(sessions, Contact, "nature_code", c.nature_code),
            "de": owners.get(c.unite_id, "l'établissement") if c.unite_id else "l'établissement",
            "telecoms": telecoms.get(c.id or 0, [])})
    return grouped


def _item(item: Any) -> str:
    """One item of a stored list: a contact as "nom (niveau n) : its telecoms", others as "clé : valeur"."""
    if not isinstance(item, dict):
        return str(item)
    if "telecoms" in item:
        values = ", ".join(str(t.get("valeur")) for t in item["telecoms"] if isinstance(t, dict))
        who = item.get("nom") or item.get("fonction") or "contact"
        return f"{who} (niveau {item.get('confidentialite')})" + (f" : {values}" if values else "")
    parts = []
    for key, value in item.items():
        if isinstance(value, list):
            value = ", ".join(str(v.get("valeur", v)) if isinstance(v, dict) else str(v) for v in value)
        if value not in (None, "", []):
            parts.append(f"{key} : {value}")
    return ", ".join(parts)


def _readable(value: str | None) -> str:
    """An audit value as a person reads it: list items separated by « ; », objects as "clé : valeur"."""
    if value is None or value == "":
        return "—"
    if value[0] not in "[{":
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return value
    return " ; ".join(_item(item) for item in (data if isinstance(data, list) else [data])) or "—"


async def _shown_change(sessions: Any, entity: str, name: str, value: str | None) -> str:
    """One side of a change: labels for codes and coded lists, readable text otherwise."""
    system = ATTRIBUTE_SYSTEMS.get(name) if entity == "unite" else None
    if system:
        return await _coded(sessions, system, value)
    kind = labelled_kind(Unite if entity == "unite" else Etablissement, name)
    if kind and value:
        return await label_of(sessions, kind, value) or value
    return _readable(value)


async def _coded(sessions: Any, system: str, value: str | None) -> str:
    """A stored list of codes (JSON) as its labels."""
    try:
        codes = json.loads(value) if value else []
    except ValueError:
        return _readable(value)
    if not isinstance(codes, list) or not codes:
        return _readable(value)
    return " ; ".join([await label_of(sessions, system, code) or str(code) for code in codes])


async def timeline(sessions: Any, session: AsyncSession, caller: Any, eg: Etablissement, unites: list[Unite],
                   labels: dict[str, dict[str, str]]) -> list[Change]:
    """The last ``HISTORY_ENTRIES`` writes on the EG and its visible units, newest first, grouped by write."""
    names = {u.identifiant: u.nom for u in unites if u.identifiant}
    where = or_(and_(col(AuditLog.entity) == "etablissement", col(AuditLog.entity_id) == eg.finess),
                and_(col(AuditLog.entity) == "unite", col(AuditLog.entity_id).in_(list(names))))
    rows = (await session.exec(select(AuditLog).where(where).order_by(col(AuditLog.id).desc())
                               .limit(HISTORY_ENTRIES * 5))).all()
    changes: dict[str, Change] = {}
    for row in rows:
        entry = visible_entry(caller, row)
        if entry is None:
            continue
        key = entry.change_id or f"row-{entry.id}"
        if key not in changes:
            if len(changes) == HISTORY_ENTRIES:
                break
            changes[key] = Change(entry.at, entry.actor, SOURCES.get(entry.source or "", entry.source or ""),
                                  entry.motif)
        name = labels.get(entry.entity, {}).get(entry.field, entry.field)
        if entry.entity == "unite":
            name = f"{name} ({names.get(entry.entity_id)})"
        changes[key].diffs.append((name, await _shown_change(sessions, entry.entity, entry.field, entry.old_value),
                                   await _shown_change(sessions, entry.entity, entry.field, entry.new_value)))
    return list(changes.values())
