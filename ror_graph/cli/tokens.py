"""``ror-graph create-token``: register a read-only API client and print its bearer token once."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.console import Console

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, run, settings
from ror_graph.db import session_factory
from ror_graph.models import Profile, utcnow

console = Console(stderr=True)


@app.command("create-token", help="Create a read-only API client token (printed once; only its hash is stored).")
def create_token(
    name: str = typer.Option(..., "--name", help="Who uses the token (portal, orientation tool...)."),
    profile: Profile = typer.Option(
        Profile.public,
        "--profile",
        help="public (level 1), professional (+ level-2 contacts), regulation (+ level 3 and sensitive units).",
    ),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, help="Expire after N days (default: ROR_GRAPH_API_TOKEN_DAYS, 90)."
    ),
) -> None:
    from ror_graph.services.accounts.auth import create_api_client
    from ror_graph.services.core.errors import DomainError

    days = expires_days or settings().api_token_days
    expires_at = utcnow() + timedelta(days=days) if days else None

    async def go():
        async with engine_for() as engine, session_factory(engine)() as session:
            return await create_api_client(session, name=name, profile=profile, expires_at=expires_at, lifetime=None)

    try:
        client, token = run(go())
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message}")
        raise typer.Exit(1) from None
    until = f", expires {expires_at:%Y-%m-%d}" if expires_at else ""
    console.print(
        f"API client #{client.id} {client.name!r} ({client.profile}{until}). Send it as "
        "`Authorization: Bearer <token>`; it is not shown again:"
    )
    print(token)
