"""What counts as a bounce of ours: the signed return path, and the reading of delivery status notices
(RFC 3464) — permanent or transient, ignored when unsigned, forged, or not a failure."""

from __future__ import annotations

import mailbox

import pytest

from ror_graph.services.mail.mailer import MailConfig, send
from ror_graph.services.mail.rebonds import lire_avis
from ror_graph.services.mail.retour import adresse_retour, mail_id_de
from tests.campagne.test_rebonds import RETURN_PATH, SECRET, dsn

OURS = adresse_retour(RETURN_PATH, SECRET, 42)


def test_the_return_path_names_its_mail_and_only_with_the_key():
    assert OURS.startswith("rebonds+42.") and OURS.endswith("@ror.example.fr")
    assert mail_id_de(RETURN_PATH, SECRET, OURS) == 42
    assert mail_id_de(RETURN_PATH, SECRET, f"<{OURS.upper()}>") == 42  # as MTAs may write it
    assert mail_id_de(RETURN_PATH, "another key", OURS) is None
    assert mail_id_de(RETURN_PATH, SECRET, OURS.replace("+42.", "+43.")) is None  # signature of another mail
    assert mail_id_de(RETURN_PATH, SECRET, OURS.replace("ror.example.fr", "evil.example")) is None
    assert mail_id_de(RETURN_PATH, SECRET, RETURN_PATH) is None


@pytest.mark.parametrize(("action", "status", "definitif"), [
    ("failed", "5.1.1", True), ("failed", "5.7.1", True), ("delayed", "4.2.2", False), ("failed", "4.4.7", False)])
def test_failed_and_delayed_notices_are_read(action, status, definitif):
    notice = lire_avis(dsn(OURS, "Perdu@Example.fr", action, status, "smtp; 550 no such user"), RETURN_PATH, SECRET)
    assert notice is not None
    assert (notice.mail_id, notice.action, notice.code, notice.definitif) == (42, action, status, definitif)
    assert (notice.destinataire, notice.diagnostic) == ("perdu@example.fr", "550 no such user")


def test_what_is_not_a_failure_notice_of_ours_is_ignored():
    signature = OURS.split("@")[0].split(".")[1]
    forged = OURS.replace(signature, "0" * 16 if signature != "0" * 16 else "1" * 16)
    cases = [dsn(forged, "a@b.fr", "failed", "5.1.1", "smtp; 550"),  # bad signature
             dsn(RETURN_PATH, "a@b.fr", "failed", "5.1.1", "smtp; 550"),  # unsigned
             dsn(OURS, "a@b.fr", "delivered", "2.0.0", "smtp; 250 ok"),  # a success report
             dsn(OURS, "a@b.fr", "failed", "hello", "smtp; 550"),  # no status class
             f"To: {OURS}\r\nSubject: Absent du bureau\r\n\r\nJe suis absent.\r\n".encode()]  # auto-reply
    assert [lire_avis(raw, RETURN_PATH, SECRET) for raw in cases] == [None] * len(cases)


async def test_without_smtp_the_maildir_copy_carries_the_return_path(tmp_path):
    config = MailConfig(mailbox_dir=tmp_path / "box", return_path=RETURN_PATH, signing_key=SECRET)
    await send(config, to="a@b.fr", subject="Sujet", body="Corps", mail_id=42)
    [message] = list(mailbox.Maildir(tmp_path / "box"))
    assert message["Return-Path"] == f"<{OURS}>"
