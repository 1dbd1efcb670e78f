"""Account mutations: ``login`` (throttled), ``logout`` and ``changerMotDePasse``.

``login`` answers a throttled e-mail or address with ``TooManyAttemptsError`` (code
``TOO_MANY_ATTEMPTS`` and ``retryAfter``) whatever the password, so the lock reveals neither the
password nor whether the account exists. A request may carry only one ``login`` field
(``schema.rules.SingleLoginRule``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from ror_graph.resolvers import account as resolve_account
from ror_graph.resolvers import mutations as resolve
from ror_graph.resolvers.context import Info
from ror_graph.schema.errors import ErrorType, ForbiddenErrorType, ValidationErrorType
from ror_graph.services.accounts.throttle import TooManyAttemptsError


@strawberry.type(description="A bearer token for `Authorization: Bearer <token>`.")
class LoginPayload:
    token: str = strawberry.field(description="The token; shown once, only its hash is stored.")
    expires_at: datetime = strawberry.field(description="When the token stops working.")


@strawberry.type(description="The session token was revoked.")
class LogoutPayload:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="The password was changed; every session of the account was ended.")
class ChangerMotDePassePayload:
    sessions_revoquees: int = strawberry.field(
        description="How many sessions were ended (this request's token included): log in again."
    )


@strawberry.type(
    name="TooManyAttemptsError",
    description="Too many failed logins for this e-mail or address (TOO_MANY_ATTEMPTS); nothing was checked.",
)
class TooManyAttemptsErrorType(ErrorType):
    retry_after: int = strawberry.field(description="Seconds to wait before trying again.")


def too_many(exc: TooManyAttemptsError) -> TooManyAttemptsErrorType:
    return TooManyAttemptsErrorType(code=exc.code, message=exc.message, field=None, retry_after=exc.retry_after)


LoginResult = Annotated[LoginPayload | TooManyAttemptsErrorType | ForbiddenErrorType | ValidationErrorType,
                        strawberry.union("LoginResult")]
LogoutResult = Annotated[LogoutPayload | ForbiddenErrorType | ValidationErrorType, strawberry.union("LogoutResult")]
ChangerMotDePasseResult = Annotated[
    ChangerMotDePassePayload | TooManyAttemptsErrorType | ForbiddenErrorType | ValidationErrorType,
    strawberry.union("ChangerMotDePasseResult"),
]


@strawberry.type(description="Account mutations.")
class AccountMutation:
    @strawberry.mutation(description="Log in with an account's e-mail and password; returns a bearer token.")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        try:
            token, expires_at = await resolve.login(info, email, password)
        except TooManyAttemptsError as exc:
            return too_many(exc)
        return LoginPayload(token=token, expires_at=expires_at)

    @strawberry.mutation(description="Revoke the session token sent with this request.")
    async def logout(self, info: Info) -> LogoutResult:
        await resolve.logout(info)
        return LogoutPayload(ok=True)

    @strawberry.mutation(
        description="Change your own password (12 characters at least, not your e-mail); ends all your sessions."
    )
    async def changer_mot_de_passe(
        self,
        info: Info,
        ancien: Annotated[str, strawberry.argument(description="Your current password.")],
        nouveau: Annotated[str, strawberry.argument(description="The new password.")],
    ) -> ChangerMotDePasseResult:
        try:
            revoked = await resolve_account.changer_mot_de_passe(info, ancien, nouveau)
        except TooManyAttemptsError as exc:
            return too_many(exc)
        return ChangerMotDePassePayload(sessions_revoquees=revoked)
