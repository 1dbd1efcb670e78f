"""Contacts and telecoms of an EG or an offer: validation and replace-the-list writes.

A contact list is always sent whole (the form shows them all), so a write replaces the owner's
contacts; the audit keeps one row (field ``contacts``) with the old and new lists as JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Contact, Telecom
from ror_graph.models.coded import CANAL, NATURE_CONTACT
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import check_codes, email_ok, phone_ok
from ror_graph.services.core.write_common import check_int, check_list, clean_code, clean_text

PHONE_CANALS = frozenset({"1", "2", "6", "8"})  # mobile, fixe, fax, téléphone d'alerte
EMAIL_CANALS = frozenset({"3", "9", "MSSANTE"})  # e-mail, mail d'alerte, messagerie sécurisée
ALERT_PHONE_CANAL, ALERT_EMAIL_CANAL = "8", "9"
ALERT_NATURES = frozenset({"08", "11", "12", "13"})  # Alerte-Tension-SSE, alerte heures ouvrées / non ouvrées / H24
MAX_CONTACTS, MAX_TELECOMS = 50, 20


@dataclass
class TelecomInput:
    """One phone number / e-mail / URL; canal (JDV_J225) and confidentiality (1..3) are required."""

    canal_code: str | None = None
    valeur: str | None = None
    confidentialite: int | None = None
    utilisation: str | None = None


@dataclass
class ContactInput:
    """One contact point with its telecoms (nature JDV_J221, e.g. 06 standard, 10 direction)."""

    nom: str | None = None
    fonction: str | None = None
    nature_code: str | None = None
    description: str | None = None
    confidentialite: int | None = None
    telecoms: list[TelecomInput] = field(default_factory=list)


@dataclass(frozen=True)
class CleanTelecom:
    canal_code: str
    valeur: str
    confidentialite: int
    utilisation: str | None


@dataclass(frozen=True)
class CleanContact:
    nom: str | None
    fonction: str | None
    nature_code: str | None
    description: str | None
    confidentialite: int
    telecoms: tuple[CleanTelecom, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "nom": self.nom, "fonction": self.fonction, "nature": self.nature_code, "description": self.description,
            "confidentialite": self.confidentialite,
            "telecoms": [
                {"canal": t.canal_code, "valeur": t.valeur, "confidentialite": t.confidentialite,
                 "utilisation": t.utilisation}
                for t in self.telecoms
            ],
        }


def _check_value_format(canal: str, valeur: str, *, field: str) -> None:
    if canal in PHONE_CANALS and not phone_ok(valeur):
        raise BadInputError(f"{valeur!r} is not a phone number.", field=field)
    if canal in EMAIL_CANALS and not email_ok(valeur):
        raise BadInputError(f"{valeur!r} is not an e-mail address.", field=field)
    if canal == "4" and not re.match(r"^https?://\S+$", valeur):
        raise BadInputError(f"{valeur!r} is not a web address (http:// or https://).", field=field)


async def clean_contacts(
    session: AsyncSession, contacts: Any, *, field: str, contact_level_required: bool
) -> list[CleanContact]:
    """Validate a whole contact list (codes, formats, levels) without writing anything.

    ``contact_level_required``: offer contacts must carry their level (1..1 in the ROR model); EG
    contacts default to 1 (public) when it is missing. Telecoms always need theirs.
    """
    items = check_list(contacts, field=field, max_items=MAX_CONTACTS)
    cleaned: list[CleanContact] = []
    natures: set[str] = set()
    canals: set[str] = set()
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, ContactInput):
            raise BadInputError("Expected a contact.", field=where)
        level = check_int(item.confidentialite, field=f"{where}.confidentialite", low=1, high=3,
                          required=contact_level_required)
        telecoms: list[CleanTelecom] = []
        for j, tel in enumerate(check_list(item.telecoms, field=f"{where}.telecoms", max_items=MAX_TELECOMS)):
            twhere = f"{where}.telecoms[{j}]"
            if not isinstance(tel, TelecomInput):
                raise BadInputError("Expected a telecom.", field=twhere)
            canal = clean_code(tel.canal_code, field=f"{twhere}.canal", required=True)
            valeur = clean_text(tel.valeur, field=f"{twhere}.valeur", max_length=300, required=True)
            tlevel = check_int(tel.confidentialite, field=f"{twhere}.confidentialite", low=1, high=3, required=True)
            _check_value_format(canal, valeur, field=f"{twhere}.valeur")
            canals.add(canal)
            telecoms.append(CleanTelecom(canal, valeur, tlevel,
                                         clean_text(tel.utilisation, field=f"{twhere}.utilisation", max_length=100)))
        nature = clean_code(item.nature_code, field=f"{where}.nature")
        if nature:
            natures.add(nature)
        cleaned.append(CleanContact(
            nom=clean_text(item.nom, field=f"{where}.nom", max_length=200),
            fonction=clean_text(item.fonction, field=f"{where}.fonction", max_length=200),
            nature_code=nature,
            description=clean_text(item.description, field=f"{where}.description", max_length=1000),
            confidentialite=level or 1,
            telecoms=tuple(telecoms),
        ))
    await check_codes(session, NATURE_CONTACT, natures, field=f"{field}.nature")
    await check_codes(session, CANAL, canals, field=f"{field}.telecoms.canal")
    return cleaned


def has_alert_channel(contacts: list[CleanContact]) -> bool:
    """At least one alert phone (canal 8, or a phone of an alert contact) or alert e-mail (canal 9)."""
    for contact in contacts:
        for tel in contact.telecoms:
            if tel.canal_code in {ALERT_PHONE_CANAL, ALERT_EMAIL_CANAL}:
                return True
            if contact.nature_code in ALERT_NATURES and tel.canal_code in PHONE_CANALS | EMAIL_CANALS:
                return True
    return False


async def current_contacts(
    session: AsyncSession, *, etablissement_id: int | None = None, unite_id: int | None = None
) -> list[CleanContact]:
    """The owner's stored contacts in the same shape as validated input (for diffing and auditing)."""
    owner = Contact.etablissement_id == etablissement_id if etablissement_id else Contact.unite_id == unite_id
    contacts = (await session.exec(select(Contact).where(owner).order_by(Contact.id))).all()
    ids = [c.id for c in contacts]
    telecoms: dict[int, list[Telecom]] = {i: [] for i in ids}
    if ids:
        for tel in (await session.exec(select(Telecom).where(col(Telecom.contact_id).in_(ids)).order_by(Telecom.id))):
            telecoms[tel.contact_id].append(tel)
    return [
        CleanContact(c.nom, c.fonction, c.nature_code, c.description, c.confidentialite,
                     tuple(CleanTelecom(t.canal_code, t.valeur, t.confidentialite, t.utilisation)
                           for t in telecoms[c.id]))
        for c in contacts
    ]


async def replace_contacts(
    session: AsyncSession, contacts: list[CleanContact], *, etablissement_id: int | None = None,
    unite_id: int | None = None,
) -> None:
    """Delete the owner's contacts (telecoms cascade) and insert ``contacts``; same transaction."""
    owner = Contact.etablissement_id == etablissement_id if etablissement_id else Contact.unite_id == unite_id
    conn = await session.connection()
    old_ids = select(Contact.id).where(owner)
    await conn.execute(delete(Telecom).where(col(Telecom.contact_id).in_(old_ids)))
    await conn.execute(delete(Contact).where(owner))
    for item in contacts:
        contact = Contact(etablissement_id=etablissement_id, unite_id=unite_id, nom=item.nom, fonction=item.fonction,
                          nature_code=item.nature_code, description=item.description,
                          confidentialite=item.confidentialite)
        session.add(contact)
        await session.flush()
        session.add_all(Telecom(contact_id=contact.id, canal_code=t.canal_code, valeur=t.valeur,
                                confidentialite=t.confidentialite, utilisation=t.utilisation)
                        for t in item.telecoms)
