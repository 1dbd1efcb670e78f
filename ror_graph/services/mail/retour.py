"""The per-message return path (VERP): the envelope sender of each e-mail names its ``mail_envoi`` row.

With ``ROR_GRAPH_MAIL_RETURN_PATH=rebonds@ror.example.fr``, e-mail n° 42 leaves with the envelope
sender ``rebonds+42.<signature>@ror.example.fr``; a server that refuses it later sends its delivery
status notice (DSN) to that address, so the notice says which e-mail failed without trusting its
content. The signature is an HMAC of the id under the application's secret key: anybody can send a
"bounce" to the domain, but without the key it names no e-mail and is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_HEX = 16  # 64 bits: enough against guessing, short enough for a local part (≤ 64 characters)


def _signature(key: str, mail_id: int) -> str:
    digest = hmac.new(key.encode(), f"mail_envoi:{mail_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_HEX]


def adresse_retour(base: str, key: str, mail_id: int) -> str:
    """The envelope sender of e-mail ``mail_id``: ``local+<id>.<signature>@domain`` from ``base``."""
    local, _, domain = base.rpartition("@")
    return f"{local}+{mail_id}.{_signature(key, mail_id)}@{domain}"


def mail_id_de(base: str, key: str, address: str) -> int | None:
    """The e-mail id a return address names, if it is one of ours with a valid signature; else ``None``."""
    local, _, domain = base.rpartition("@")
    pattern = rf"{re.escape(local)}\+(\d{{1,12}})\.([0-9a-f]{{{SIGNATURE_HEX}}})@{re.escape(domain)}"
    match = re.fullmatch(pattern, address.strip().strip("<>"), flags=re.IGNORECASE)
    if match is None:
        return None
    mail_id = int(match.group(1))
    return mail_id if hmac.compare_digest(_signature(key, mail_id), match.group(2).lower()) else None
