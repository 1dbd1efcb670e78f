"""Expected failures of the domain, with a stable ``code`` that the API and the admin expose."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected error: ``code`` is machine-readable, ``message`` is for people."""

    code = "BAD_INPUT"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class BadInputError(DomainError):
    code = "BAD_INPUT"


class NotFoundError(DomainError):
    code = "NOT_FOUND"


class UnauthenticatedError(DomainError):
    code = "UNAUTHENTICATED"


class ForbiddenError(DomainError):
    code = "FORBIDDEN"


class FinessLockedError(DomainError):
    """A caller tried to change a field owned by FINESS without the support role."""

    code = "FINESS_LOCKED"


class InvalidCodeError(DomainError):
    """A code is not in the attribute's value set, or is deprecated (readable, never writable)."""

    code = "INVALID_CODE"


class ConflictError(DomainError):
    """The row changed since the caller read it (optimistic locking); nothing was written."""

    code = "CONFLICT"

    def __init__(self, message: str, *, current_version: int, field: str | None = "version") -> None:
        super().__init__(message, field=field)
        self.current_version = current_version


class CursorExpiredError(DomainError):
    """A change-feed cursor older than the event log's retention: resynchronise from a bulk export."""

    code = "CURSOR_EXPIRED"
