"""The password-reset link sent by e-mail, through the same mailer and ``mail_envoi`` record as reminders."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.services.mail.mailer import MailConfig
from ror_graph.services.mail.outbox import send_once


async def envoyer_lien(session: AsyncSession, config: MailConfig, *, email: str, link: str, expires_at: datetime,
                       now: datetime) -> bool:
    """Mail the one-time reset ``link`` to ``email``; ``True`` if handed over (else the error is on the row)."""
    subject = "Réinitialisation de votre mot de passe ROR"
    body = "\n".join([
        "Bonjour,",
        "",
        "Une réinitialisation du mot de passe de votre compte ROR a été demandée. Pour choisir un nouveau mot "
        "de passe, ouvrez ce lien (valable une seule fois) :",
        "",
        link,
        "",
        f"Il expire le {expires_at:%d/%m/%Y à %H:%M} (UTC). Si vous n'êtes pas à l'origine de cette demande, "
        "ignorez ce message : votre mot de passe actuel reste valable.",
        "",
        "L'équipe ROR",
    ])
    sent = await send_once(session, config, cle=f"reset:{email}:{expires_at.isoformat()}", kind="reset", to=email,
                           subject=subject, body=body, now=now)
    return bool(sent)
