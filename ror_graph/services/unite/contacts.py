"""Contacts and telecoms of an EG or an offer: validation and merge writes.

A write never removes what its author cannot see (security item 1). The author reads at a level
(``Principal.level``: 2 for référents and directeurs, 3 for support); the list it sends replaces only
the contacts it can see (contact level ≤ its level) and, inside those, the telecoms it can see
(telecom level ≤ its level). Hidden contacts and hidden telecoms are kept untouched (same rows, same
ids). A contact is edited in place when the author sends back its ``id``; a visible contact left out
is deleted, unless it holds hidden telecoms (refused: only someone who sees them may drop them). An
item sent with a level above the author's is refused (``FORBIDDEN``). The audit keeps one row (field
``contacts``) with the old and new lists *as the author sees them*, so history never leaks hidden items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Contact, Telecom
from ror_graph.models.coded import CANAL, NATURE_CONTACT
from ror_graph.services.core.errors import BadInputError, ForbiddenError
from ror_graph.services.core.validation import check_codes, email_ok, phone_ok
from ror_graph.services.core.write_common import check_int, check_list, clean_code, clean_text
from ror_graph.services.unite.inputs import ContactInput, TelecomInput

PHONE_CANALS = frozenset({"1", "2", "6", "8"})  # mobile, fixe, fax, téléphone d'alerte
EMAIL_CANALS = frozenset({"3", "9", "MSSANTE"})  # e-mail, mail d'alerte, messagerie sécurisée
ALERT_PHONE_CANAL, ALERT_EMAIL_CANAL = "8", "9"
ALERT_NATURES = frozenset({"08", "11", "12", "13"})  # Alerte-Tension-SSE, alerte heures ouvrées / non ouvrées / H24
MAX_CONTACTS, MAX_TELECOMS = 50, 20


@dataclass(frozen=True)
class CleanTelecom:
    canal_code: str
    valeur: str
    confidentialite: int
    utilisation: str | None


@dataclass(frozen=True)
class CleanContact:
    id: int | None
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


def _clean_telecom(tel: Any, where: str, level: int) -> CleanTelecom:
    if not isinstance(tel, TelecomInput):
        raise BadInputError("Expected a telecom.", field=where)
    canal = clean_code(tel.canal_code, field=f"{where}.canal", required=True)
    valeur = clean_text(tel.valeur, field=f"{where}.valeur", max_length=300, required=True)
    tlevel = check_int(tel.confidentialite, field=f"{where}.confidentialite", low=1, high=3, required=True)
    assert canal is not None and valeur is not None and tlevel is not None  # required: raised otherwise
    if tlevel > level:
        raise ForbiddenError(f"You read at level {level}: you cannot write a level-{tlevel} telecom.",
                             field=f"{where}.confidentialite")
    _check_value_format(canal, valeur, field=f"{where}.valeur")
    return CleanTelecom(canal, valeur, tlevel, clean_text(tel.utilisation, field=f"{where}.utilisation",
                                                          max_length=100))


def _clean_contact(item: Any, where: str, *, level: int, contact_level_required: bool) -> CleanContact:
    if not isinstance(item, ContactInput):
        raise BadInputError("Expected a contact.", field=where)
    contact_level = check_int(item.confidentialite, field=f"{where}.confidentialite", low=1, high=3,
                              required=contact_level_required) or 1
    if contact_level > level:
        raise ForbiddenError(f"You read at level {level}: you cannot write a level-{contact_level} contact.",
                             field=f"{where}.confidentialite")
    telecoms = tuple(_clean_telecom(tel, f"{where}.telecoms[{j}]", level) for j, tel in enumerate(
        check_list(item.telecoms, field=f"{where}.telecoms", max_items=MAX_TELECOMS)))
    return CleanContact(
        id=check_int(item.id, field=f"{where}.id", low=1, high=2**31 - 1),
        nom=clean_text(item.nom, field=f"{where}.nom", max_length=200),
        fonction=clean_text(item.fonction, field=f"{where}.fonction", max_length=200),
        nature_code=clean_code(item.nature_code, field=f"{where}.nature"),
        description=clean_text(item.description, field=f"{where}.description", max_length=1000),
        confidentialite=contact_level,
        telecoms=telecoms,
    )


async def clean_contacts(
    session: AsyncSession, contacts: Any, *, field: str, contact_level_required: bool, level: int,
    stored: list[CleanContact],
) -> list[CleanContact]:
    """Validate a whole contact list (codes, formats, levels, ids) against ``stored``, without writing.

    ``level`` is the author's read level; ``stored`` the owner's current contacts (``current_contacts``).
    ``contact_level_required``: offer contacts must carry their level (1..1 in the ROR model); EG
    contacts default to 1 (public) when it is missing. Telecoms always need theirs.
    """
    items = check_list(contacts, field=field, max_items=MAX_CONTACTS)
    cleaned = [_clean_contact(item, f"{field}[{i}]", level=level, contact_level_required=contact_level_required)
               for i, item in enumerate(items)]
    await check_codes(session, NATURE_CONTACT, {c.nature_code for c in cleaned if c.nature_code},
                      field=f"{field}.nature")
    await check_codes(session, CANAL, {t.canal_code for c in cleaned for t in c.telecoms},
                      field=f"{field}.telecoms.canal")
    _check_merge(cleaned, stored, level, field)
    return cleaned


def _check_merge(cleaned: list[CleanContact], stored: list[CleanContact], level: int, field: str) -> None:
    """Sent ids name visible stored contacts, once; a dropped visible contact holds no hidden telecom."""
    visible = {c.id: c for c in stored if c.confidentialite <= level}
    seen: set[int] = set()
    for i, contact in enumerate(cleaned):
        if contact.id is None:
            continue
        if contact.id not in visible or contact.id in seen:
            raise BadInputError(f"Contact {contact.id} is not a contact you read here (or is listed twice).",
                                field=f"{field}[{i}].id")
        seen.add(contact.id)
    for contact_id, contact in visible.items():
        if contact_id not in seen and any(t.confidentialite > level for t in contact.telecoms):
            raise ForbiddenError(f"Contact {contact_id} holds telecoms above your level: send it back with its id "
                                 "(they are kept) or ask support to remove it.", field=field)


def visible_contacts(contacts: list[CleanContact], level: int) -> list[dict[str, Any]]:
    """What an author reading at ``level`` sees of ``contacts`` (for diffing and auditing)."""
    return [replace(c, telecoms=tuple(t for t in c.telecoms if t.confidentialite <= level)).as_dict()
            for c in contacts if c.confidentialite <= level]


def merged_contacts(sent: list[CleanContact], stored: list[CleanContact], level: int) -> list[CleanContact]:
    """The owner's contacts after the write: sent ones (with their kept hidden telecoms) and hidden ones."""
    by_id = {c.id: c for c in stored}
    kept = [replace(c, telecoms=c.telecoms + tuple(t for t in by_id[c.id].telecoms if t.confidentialite > level))
            if c.id is not None else c for c in sent]
    return kept + [c for c in stored if c.confidentialite > level]


def has_alert_channel(contacts: list[CleanContact]) -> bool:
    """At least one alert phone (canal 8, or a phone of an alert contact) or alert e-mail (canal 9)."""
    for contact in contacts:
        for tel in contact.telecoms:
            if tel.canal_code in {ALERT_PHONE_CANAL, ALERT_EMAIL_CANAL}:
                return True
            if contact.nature_code in ALERT_NATURES and tel.canal_code in PHONE_CANALS | EMAIL_CANALS:
                return True
    return False


def _owner(etablissement_id: int | None, unite_id: int | None) -> Any:
    return Contact.etablissement_id == etablissement_id if etablissement_id else Contact.unite_id == unite_id


async def current_contacts(
    session: AsyncSession, *, etablissement_id: int | None = None, unite_id: int | None = None
) -> list[CleanContact]:
    """The owner's stored contacts (all levels, with ids) in the shape of validated input."""
    contacts = (await session.exec(select(Contact).where(_owner(etablissement_id, unite_id))
                                   .order_by(col(Contact.id)))).all()
    ids: list[int] = []
    for c in contacts:
        assert c.id is not None  # loaded rows
        ids.append(c.id)
    telecoms: dict[int, list[Telecom]] = {i: [] for i in ids}
    if ids:
        query = select(Telecom).where(col(Telecom.contact_id).in_(ids)).order_by(col(Telecom.id))
        for tel in (await session.exec(query)):
            telecoms[tel.contact_id].append(tel)
    return [
        CleanContact(i, c.nom, c.fonction, c.nature_code, c.description, c.confidentialite,
                     tuple(CleanTelecom(t.canal_code, t.valeur, t.confidentialite, t.utilisation)
                           for t in telecoms[i]))
        for c, i in zip(contacts, ids, strict=True)
    ]


async def write_contacts(
    session: AsyncSession, contacts: list[CleanContact], *, level: int, now: datetime,
    etablissement_id: int | None = None, unite_id: int | None = None,
) -> None:
    """Merge ``contacts`` (validated by ``clean_contacts``) into the owner's contacts; same transaction.

    Sent contacts with an id are updated in place (their telecoms at or below ``level`` replaced),
    new ones inserted, visible ones left out deleted; rows above ``level`` are not touched.
    """
    conn = await session.connection()
    kept = {c.id for c in contacts if c.id is not None}
    visible = await session.exec(select(Contact.id).where(_owner(etablissement_id, unite_id),
                                                          col(Contact.confidentialite) <= level))
    dropped = [contact_id for contact_id in visible if contact_id not in kept]
    if dropped:
        await conn.execute(delete(Telecom).where(col(Telecom.contact_id).in_(dropped)))
        await conn.execute(delete(Contact).where(col(Contact.id).in_(dropped)))
    if kept:
        await conn.execute(delete(Telecom).where(col(Telecom.contact_id).in_(kept),
                                                         col(Telecom.confidentialite) <= level))
    for item in contacts:
        fields: dict[str, Any] = {"nom": item.nom, "fonction": item.fonction, "nature_code": item.nature_code,
                  "description": item.description, "confidentialite": item.confidentialite}
        if item.id is None:
            contact = Contact(etablissement_id=etablissement_id, unite_id=unite_id, created_at=now, updated_at=now,
                              **fields)
            session.add(contact)
            await session.flush()
        else:
            found = await session.get(Contact, item.id)
            assert found is not None  # ``clean_contacts`` checked the id against the stored contacts
            contact = found
            for key, value in fields.items():
                setattr(contact, key, value)
            contact.version, contact.updated_at = contact.version + 1, now
        assert contact.id is not None  # flushed or loaded
        session.add_all(Telecom(contact_id=contact.id, canal_code=t.canal_code, valeur=t.valeur,
                                confidentialite=t.confidentialite, utilisation=t.utilisation)
                        for t in item.telecoms)
