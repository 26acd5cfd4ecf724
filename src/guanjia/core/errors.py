"""Domain errors with stable codes.

Services raise these; the API turns them into problem+json, pages into messages, commands into
a non-zero exit. Messages are for users (translated); codes are for programs.
"""

from typing import Any

from django.utils.functional import Promise


class GuanjiaError(Exception):
    """Base of every error a user may see. `status` is the HTTP status the API answers with."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(GuanjiaError):
    status = 422
    default_code = "invalid"


class NotFound(GuanjiaError):
    status = 404
    default_code = "not_found"


class Forbidden(GuanjiaError):
    status = 403
    default_code = "forbidden"


class Conflict(GuanjiaError):
    """A stale version or a move the lifecycle table forbids."""

    status = 409
    default_code = "conflict"


class PayloadTooLarge(GuanjiaError):
    """An upload over the size (or pixel) limit, refused before it is decoded."""

    status = 413
    default_code = "too_large"
