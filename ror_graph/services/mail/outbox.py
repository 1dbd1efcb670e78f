"""E-mails recorded in ``mail_envoi``: reserved under a unique key, then handed over, outcome kept.

Reserving first (``INSERT … ON CONFLICT (cle) DO NOTHING``, committed) makes a message go at most
once per key across processes and restarts: only the caller whose insert created the row sends it.
The outcome (``envoye`` or ``echec`` with the error) stays on the row, which the back office lists; a
refusal received later from the receiving server (``services.mail.rebonds``) turns it into ``rebond``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import MailEnvoi
from ror_graph.services.mail.mailer import MailConfig, MailError, send

A_ENVOYER, ENVOYE, ECHEC, REBOND = "a_envoyer", "envoye", "echec", "rebond"


async def reserve(session: AsyncSession, *, cle: str, kind: str, to: str, subject: str, now: datetime,
                  **extra: Any) -> int | None:
    """Insert the row of key ``cle`` unless it exists; its id if this call created it, else ``None``. Commits."""
    conn = await session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"cle": cle, "kind": kind, "destinataire": to, "sujet": subject[:300], "statut": A_ENVOYER,
              "tentatives": 0, "created_at": now, **extra}
    result = await conn.execute(dialect_insert(MailEnvoi).values(**values)
                                .on_conflict_do_nothing(index_elements=["cle"]))
    created = result.rowcount == 1
    mail_id = (await conn.execute(select(MailEnvoi.id).where(col(MailEnvoi.cle) == cle))).scalar_one() if created \
        else None
    await session.commit()
    return mail_id


async def deliver(session: AsyncSession, mail_id: int, config: MailConfig, *, to: str, subject: str, body: str,
                  now: datetime) -> bool:
    """Hand one reserved message over and record the outcome on its row; ``True`` if sent. Commits."""
    try:
        await send(config, to=to, subject=subject, body=body, mail_id=mail_id)
        values: dict[str, Any] = {"statut": ENVOYE, "sent_at": now, "erreur": None}
    except MailError as exc:
        values = {"statut": ECHEC, "erreur": str(exc)[:2000]}
    conn = await session.connection()
    await conn.execute(update(MailEnvoi).where(col(MailEnvoi.id) == mail_id)
                       .values(tentatives=MailEnvoi.tentatives + 1, **values))
    await session.commit()
    return values["statut"] == ENVOYE


async def send_once(session: AsyncSession, config: MailConfig, *, cle: str, kind: str, to: str, subject: str,
                    body: str, now: datetime, **extra: Any) -> bool | None:
    """Reserve then deliver: ``None`` if key ``cle`` was already used, else whether it was handed over."""
    mail_id = await reserve(session, cle=cle, kind=kind, to=to, subject=subject, now=now, **extra)
    if mail_id is None:
        return None
    return await deliver(session, mail_id, config, to=to, subject=subject, body=body, now=now)
