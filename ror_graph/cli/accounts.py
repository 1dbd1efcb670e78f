"""``ror-graph create-account`` / ``reset-password``: create accounts, issue one-time reset links.

The password comes from ``--password``, else ``ROR_GRAPH_PASSWORD``, else an interactive prompt
(hidden, asked twice); it is never printed.
"""

from __future__ import annotations

import os

import typer
from rich.console import Console

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, mail_config, run, settings
from ror_graph.db import session_factory
from ror_graph.models import Role

console = Console(stderr=True)


@app.command("create-account", help="Create an account (référent / directeur scoped to EJ or EG FINESS numbers).")
def create_account(
    email: str = typer.Option(..., "--email", help="Login e-mail of the person."),
    role: Role = typer.Option(..., "--role", help="referent, directeur (need scopes), support or admin."),
    ej: list[str] = typer.Option([], "--ej", help="FINESS of an entité juridique covered (all its EGs); repeatable."),
    eg: list[str] = typer.Option([], "--eg", help="FINESS of an établissement covered; repeatable."),
    nom: str | None = typer.Option(None, "--nom", help="Display name."),
    password: str | None = typer.Option(None, "--password", help="Password (else ROR_GRAPH_PASSWORD or a prompt)."),
) -> None:
    from ror_graph.services.accounts.accounts import create_account as create
    from ror_graph.services.core.errors import DomainError

    secret = password or os.environ.get("ROR_GRAPH_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    scopes = [("ej", f) for f in ej] + [("eg", f) for f in eg]

    async def go():
        async with engine_for() as engine, session_factory(engine)() as session:
            return await create(session, email=email, password=secret, role=role.value, nom=nom, scopes=scopes)

    try:
        account = run(go())
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.field}: {exc.message}")
        raise typer.Exit(1) from None
    covered = ", ".join(f"{kind.upper()} {finess}" for kind, finess in scopes) or "everything"
    console.print(f"Account #{account.id} {account.email} ({account.role}) covers {covered}.")


@app.command("reset-password", help="Issue a one-time password reset link for an account (printed, or e-mailed "
             "with --send; valid 1 h).")
def reset_password(
    email: str = typer.Argument(..., help="E-mail of the active account."),
    send: bool = typer.Option(False, "--send", help="E-mail the link to the account (SMTP or the local mailbox)."),
) -> None:
    """Without ``--send`` the administrator passes the printed link on through a trusted channel."""
    from datetime import timedelta

    from ror_graph.models import utcnow
    from ror_graph.services.accounts.credentials import issue_reset
    from ror_graph.services.accounts.reset_mail import envoyer_lien
    from ror_graph.services.core.errors import DomainError

    config = settings()
    address = email.strip().lower()

    async def go():
        async with engine_for() as engine, session_factory(engine)() as session:
            token, expires_at = await issue_reset(session, email=email,
                                                  lifetime=timedelta(minutes=config.password_reset_minutes))
            link = f"{config.public_url.rstrip('/')}/admin/reset/{token}"
            sent = send and await envoyer_lien(session, mail_config(config), email=address, link=link,
                                               expires_at=expires_at, now=utcnow())
            return token, expires_at, sent

    try:
        token, expires_at, sent = run(go())
    except DomainError as exc:
        console.print(f"{exc.code}: {exc.message}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    if send:
        outcome = "e-mailed" if sent else "NOT sent (see Courriels in the back office)"
        console.print(f"One-time reset link for {address} {outcome}, valid until {expires_at:%Y-%m-%d %H:%M} UTC.",
                      markup=False, highlight=False)
        raise typer.Exit(0 if sent else 1)
    console.print(f"One-time reset link for {email.strip().lower()}, valid until {expires_at:%Y-%m-%d %H:%M} UTC "
                  "(single use; earlier links are void). Pass it on through a trusted channel:",
                  markup=False, highlight=False)
    print(f"{config.public_url.rstrip('/')}/admin/reset/{token}")
