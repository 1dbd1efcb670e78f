"""Resolvers of the account mutations (password change) and helpers shared with ``login``.

The throttle counts attempts per client address too: the address is the ASGI client's (behind a
reverse proxy, run uvicorn with ``--proxy-headers`` so it is the real client's, not the proxy's).
"""

from __future__ import annotations

from ror_graph.resolvers.context import Info
from ror_graph.services.accounts.credentials import change_password
from ror_graph.services.accounts.throttle import ThrottlePolicy


def client_address(info: Info) -> str | None:
    """The caller's network address, when the transport knows it."""
    request = info.context.request
    client = getattr(request, "client", None) if request is not None else None
    return client.host if client else None


def throttle_policy(info: Info) -> ThrottlePolicy:
    """The login throttle configured for this app."""
    return ThrottlePolicy.of(info.context.state.settings)


async def changer_mot_de_passe(info: Info, ancien: str, nouveau: str) -> int:
    """Change the caller's own password; returns how many sessions were ended (this one included)."""
    ctx = info.context
    return await change_password(ctx.session, account_id=ctx.caller.account_id, ancien=ancien, nouveau=nouveau,
                                 address=client_address(info), policy=throttle_policy(info))
