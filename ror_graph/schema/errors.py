"""Expected errors as GraphQL types, and how ``services.core.errors.DomainError`` reaches clients.

* Query fields: a ``DomainError`` becomes a GraphQL error whose ``extensions`` carry ``code`` and
  ``field`` (``DomainErrorCodes``); unexpected errors are masked outside debug (``MaskUnexpectedErrors``)
  and carry the code ``INTERNAL``.
* Mutation payloads: a field whose return type is a union containing these types gets the error as a
  value instead (``ERROR_HANDLERS``, registered on the schema): ``NotFoundError``, ``ValidationError``,
  ``ForbiddenError``, ``FinessLockedError``, ``ConflictError`` (with ``currentVersion``).
"""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from ror_graph.services.core import errors


@strawberry.interface(name="Error", description="An expected failure; nothing was changed.")
class ErrorType:
    code: str = strawberry.field(
        description="Machine-readable code (NOT_FOUND, BAD_INPUT, INVALID_CODE, FORBIDDEN...)."
    )
    message: str = strawberry.field(description="What went wrong, for people.")
    field: str | None = strawberry.field(description="The argument or attribute at fault, when there is one.")


@strawberry.type(name="NotFoundError", description="The object does not exist or is not visible to the caller.")
class NotFoundErrorType(ErrorType):
    pass


@strawberry.type(
    name="ValidationError",
    description="An argument is invalid (BAD_INPUT) or a code is outside its value set (INVALID_CODE).",
)
class ValidationErrorType(ErrorType):
    pass


@strawberry.type(
    name="ForbiddenError", description="The caller is not authenticated (UNAUTHENTICATED) or not allowed (FORBIDDEN)."
)
class ForbiddenErrorType(ErrorType):
    pass


@strawberry.type(
    name="FinessLockedError", description="The attribute is owned by FINESS; only support staff may correct it."
)
class FinessLockedErrorType(ErrorType):
    pass


@strawberry.type(name="ConflictError", description="The row changed since the caller read it; re-read and retry.")
class ConflictErrorType(ErrorType):
    current_version: int = strawberry.field(description="The row's version now.")


ERROR_TYPES = (NotFoundErrorType, ValidationErrorType, ForbiddenErrorType, FinessLockedErrorType, ConflictErrorType)


def error_from_exception(exc: errors.DomainError) -> ErrorType:
    """The GraphQL error value for a domain exception (used by ``ERROR_HANDLERS`` and by resolvers)."""
    if isinstance(exc, errors.ConflictError):
        return ConflictErrorType(code=exc.code, message=exc.message, field=exc.field,
                                 current_version=exc.current_version)
    error_cls: type[ErrorType] = ValidationErrorType
    if isinstance(exc, errors.NotFoundError):
        error_cls = NotFoundErrorType
    elif isinstance(exc, errors.FinessLockedError):
        error_cls = FinessLockedErrorType
    elif isinstance(exc, errors.ForbiddenError | errors.UnauthenticatedError):
        error_cls = ForbiddenErrorType
    return error_cls(code=exc.code, message=exc.message, field=exc.field)


def _handler(exception_types: tuple[type[Exception], ...], error_cls: type) -> strawberry.ExceptionHandler:
    class Handler(strawberry.ExceptionHandler):
        exception_type = exception_types
        error_type = error_cls

        def handle(self, exception, *, field, info):
            return error_from_exception(exception)

    Handler.__name__ = Handler.__qualname__ = f"{error_cls.__name__}Handler"
    return Handler()


# Most specific first: a field whose union lists several of these types gets the first match.
ERROR_HANDLERS = (
    _handler((errors.ConflictError,), ConflictErrorType),
    _handler((errors.NotFoundError,), NotFoundErrorType),
    _handler((errors.FinessLockedError,), FinessLockedErrorType),
    _handler((errors.ForbiddenError, errors.UnauthenticatedError), ForbiddenErrorType),
    _handler((errors.DomainError,), ValidationErrorType),
)


def error_extensions(exc: errors.DomainError) -> dict:
    extensions: dict[str, str | int | None] = {"code": exc.code, "field": exc.field}
    if isinstance(exc, errors.ConflictError):
        extensions["currentVersion"] = exc.current_version
    return extensions


class DomainErrorCodes(SchemaExtension):
    """Give GraphQL errors raised from a ``DomainError`` ``extensions: {code, field}``."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            if isinstance(error.original_error, errors.DomainError):
                error.extensions = error_extensions(error.original_error)


def is_unexpected(error: GraphQLError) -> bool:
    """Mask only errors raised by code (not validation errors, not domain errors)."""
    return error.original_error is not None and not isinstance(error.original_error, errors.DomainError | GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Hide unexpected exceptions' messages from clients (outside debug), with the code ``INTERNAL``."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked
