"""Receive and close signalements (« Signaler une information erronée ou manquante »).

Spam is kept out without any third-party captcha: a honeypot field that people never see (a filled
one is answered like a success and stores nothing, so robots learn nothing) and a throttle per
client address (``SIGNALEMENT_LIMIT`` per ``SIGNALEMENT_WINDOW``), counted in the database so it
holds across workers. The address is stored only as a salted digest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, Signalement, utcnow
from ror_graph.models.signalement import SIGNALEMENT_EMAIL_MAX_LENGTH, SIGNALEMENT_MAX_LENGTH
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, DomainError, NotFoundError
from ror_graph.services.core.validation import email_ok
from ror_graph.services.core.write_common import in_transaction

SIGNALEMENT_LIMIT = 5
SIGNALEMENT_WINDOW = timedelta(hours=1)
MIN_MESSAGE_LENGTH = 5
PUBLIC_ACTOR = Actor(name="site-public", role="public", source="web")
ENTITY = "signalement"


class TooManySignalementsError(DomainError):
    """Too many reports from one address within the window: refused for ``retry_after`` seconds."""

    code = "TOO_MANY_REQUESTS"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Trop de signalements envoyés depuis cette adresse : réessayez dans "
                         f"{math.ceil(retry_after / 60)} minute(s).")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignalementInput:
    """What the public form sends (``honeypot`` is the hidden field robots fill)."""

    finess: str
    message: str
    email: str | None = None
    unite: str | None = None
    honeypot: str | None = None


def address_digest(address: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()


def _clean(data: SignalementInput) -> tuple[str, str | None]:
    message = " ".join(data.message.split()) if data.message else ""
    if not MIN_MESSAGE_LENGTH <= len(message) <= SIGNALEMENT_MAX_LENGTH:
        raise BadInputError(f"Décrivez l'information en {MIN_MESSAGE_LENGTH} à {SIGNALEMENT_MAX_LENGTH} caractères.",
                            field="message")
    email = (data.email or "").strip() or None
    if email is not None and (len(email) > SIGNALEMENT_EMAIL_MAX_LENGTH or not email_ok(email)):
        raise BadInputError("Adresse e-mail invalide.", field="email")
    return message, email


async def _check_throttle(session: AsyncSession, digest: str, now: datetime) -> None:
    since = now - SIGNALEMENT_WINDOW
    count, oldest = (await session.exec(
        select(func.count(), func.min(Signalement.created_at))
        .where(Signalement.address_digest == digest, col(Signalement.created_at) >= since)
    )).one()
    if count >= SIGNALEMENT_LIMIT:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        raise TooManySignalementsError(max(1, int((oldest + SIGNALEMENT_WINDOW - now).total_seconds())))


async def submit_signalement(session: AsyncSession, data: SignalementInput, *, address: str, salt: str,
                             now: datetime | None = None) -> Signalement | None:
    """Queue a report about EG ``data.finess``; ``None`` (nothing stored) when the honeypot is filled.

    Raises ``BadInputError`` (message, e-mail), ``NotFoundError`` (unknown FINESS) or
    ``TooManySignalementsError``; nothing is written then.
    """
    if data.honeypot and data.honeypot.strip():
        return None
    message, email = _clean(data)
    now = now or utcnow()
    digest = address_digest(address, salt)

    async def work() -> Signalement:
        found = (await session.exec(select(Etablissement.id).where(Etablissement.finess == data.finess))).first()
        if found is None:
            raise NotFoundError("Établissement inconnu.", field="finess")
        await _check_throttle(session, digest, now)
        row = Signalement(created_at=now, finess=data.finess, unite=(data.unite or None), message=message,
                          email=email, address_digest=digest)
        session.add(row)
        await session.flush()
        cs = ChangeSet(session, PUBLIC_ACTOR, now=now)
        cs.record(ENTITY, str(row.id), "statut", None, "ouvert")
        await cs.flush()
        return row

    return await in_transaction(session, work)


async def close_signalements(session: AsyncSession, ids: list[int], actor: Actor) -> int:
    """Close the open signalements ``ids`` (audited); returns how many were closed."""
    async def work() -> int:
        rows = (await session.exec(select(Signalement).where(col(Signalement.id).in_(ids),
                                                             Signalement.statut == "ouvert"))).all()
        cs = ChangeSet(session, actor)
        for row in rows:
            cs.record(ENTITY, str(row.id), "statut", row.statut, "clos")
            row.statut, row.closed_at, row.closed_by = "clos", cs.now, actor.name
        await cs.flush()
        return len(rows)

    return await in_transaction(session, work)
