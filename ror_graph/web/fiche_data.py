"""What a fiche shows, read through the visibility policy's public profile (``policy.PUBLIC``).

Every row comes from the directory readers with ``caller=PUBLIC``, the same clauses as anonymous
GraphQL: level-1 contacts and telecoms only, no sensitive offer nor anything under one. Closed
offers are left out (the fiche describes what one can ask for today).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import registry
from ror_graph.models.registry import Entity, Storage
from ror_graph.models.registry.systems import CANAL, CATEGORIE_EG
from ror_graph.services.directory import batch
from ror_graph.services.policy.visibility import PUBLIC
from search_index.reference import SearchReference

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEB_CANAL, MAIL_CANAL = "4", "3"
# Offer attributes a fiche lists, in this order (registry keys): what the offer does, for whom, how.
SHOWN = ("champ_activite", "activites", "publics", "mode_prise_en_charge", "temporalite", "modalites_accueil")


def _telecoms(contacts: list[Any], telecoms: dict[int, list[Any]], ref: SearchReference) -> list[dict[str, Any]]:
    result = []
    for contact in contacts:
        for t in telecoms.get(contact.id, []):
            href = t.valeur if t.canal_code == WEB_CANAL else f"mailto:{t.valeur}" if t.canal_code == MAIL_CANAL \
                else "tel:" + "".join(ch for ch in t.valeur if ch.isdigit() or ch == "+")
            result.append({"canal": ref.label(CANAL, t.canal_code), "valeur": t.valeur, "href": href,
                           "contact": contact.nom or contact.fonction})
    return result


def _offer_attributes(unite: Any, codes: list[Any], ref: SearchReference) -> list[dict[str, Any]]:
    attrs = {a.key: a for a in registry.of(Entity.unite)}
    rows = []
    for key in SHOWN:
        attr = attrs[key]
        if attr.storage is Storage.column:
            code = getattr(unite, attr.column or key)
            values = [ref.label(attr.system, code)] if code and attr.system else []
        else:
            values = [ref.label(c.system, c.code) for c in codes if c.attribute == attr.column]
        if values:
            rows.append({"label": attr.label, "values": values})
    return rows


def _horaires(rows: list[Any]) -> list[dict[str, str]]:
    return [{"jour": JOURS[h.jour - 1], "de": h.heure_debut.strftime("%H:%M"), "a": h.heure_fin.strftime("%H:%M")}
            for h in rows]


async def load_fiche(session: AsyncSession, finess: str, ref: SearchReference) -> dict[str, Any] | None:
    """The public fiche of EG ``finess``, or ``None`` when there is no such établissement."""
    found = await batch.etablissements_by_finess(session, [finess])
    if not found:
        return None
    eg = found[0]
    assert eg.id is not None
    unites = [u for u in await batch.unites_by_etablissement_ids(session, [eg.id], caller=PUBLIC) if not u.ferme]
    ids = [u.id for u in unites if u.id is not None]
    by_unite: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for c in await batch.codes_by_unite_ids(session, ids, caller=PUBLIC):
        by_unite[c.unite_id]["codes"].append(c)
    for h in await batch.horaires_by_unite_ids(session, ids, caller=PUBLIC):
        by_unite[h.unite_id]["horaires"].append(h)
    for z in await batch.zones_by_unite_ids(session, ids, caller=PUBLIC):
        by_unite[z.unite_id]["zones"].append(z)
    eg_contacts = await batch.contacts_by_etablissement_ids(session, [eg.id], caller=PUBLIC)
    unite_contacts = await batch.contacts_by_unite_ids(session, ids, caller=PUBLIC)
    telecoms: dict[int, list[Any]] = defaultdict(list)
    contact_ids = [c.id for c in eg_contacts + unite_contacts if c.id is not None]
    for t in await batch.telecoms_by_contact_ids(session, contact_ids, caller=PUBLIC):
        telecoms[t.contact_id].append(t)
    offers = []
    for u in unites:
        parts = by_unite[u.id or 0]
        communes = [ref.communes[z.code].nom for z in parts["zones"] if z.code in ref.communes]
        offers.append({
            "identifiant": u.identifiant, "nom": u.nom, "demo": u.demo, "age_min": u.age_min, "age_max": u.age_max,
            "attributes": _offer_attributes(u, parts["codes"], ref), "horaires": _horaires(parts["horaires"]),
            "zone": communes,
            "telecoms": _telecoms([c for c in unite_contacts if c.unite_id == u.id], telecoms, ref),
        })
    commune = ref.communes.get(eg.commune_code or "")
    return {"eg": eg, "commune": commune.nom if commune else eg.libelle_acheminement,
            "categorie": ref.label(CATEGORIE_EG, eg.categorie_code),
            "telecoms": _telecoms(eg_contacts, telecoms, ref), "offers": offers}
