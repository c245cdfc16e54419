"""What can go wrong, as the domain sees it.

The API turns each kind into an HTTP status in one place (``backend.api.errors``); the
``code`` is the stable string clients switch on, the message is for people.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    default_message = "Something went wrong."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        super().__init__(self.message)


class NotFound(DomainError):
    """Missing — or not the caller's to see, which must look exactly the same."""

    code = "not_found"
    default_message = "We could not find that."


class Conflict(DomainError):
    code = "conflict"
    default_message = "That clashes with something that already exists."


class Forbidden(DomainError):
    """The caller may see this but not change it (a partner's moment, a partner's message)."""

    code = "forbidden"
    default_message = "Only its owner can change that."


class Unauthorized(DomainError):
    code = "unauthorized"
    default_message = "Please sign in again."


class BadRequest(DomainError):
    code = "bad_request"
    default_message = "That request cannot be done."


class WrongPassword(BadRequest):
    code = "wrong_password"
    default_message = "That password is not right."


class WeakPassword(BadRequest):
    code = "weak_password"
    default_message = "Choose a stronger password."


class ValidationFailed(DomainError):
    code = "validation_error"
    default_message = "Some fields need another look."

    def __init__(self, fields: dict[str, str] | None = None, message: str | None = None, *, code: str | None = None):
        self.fields = dict(fields or {})
        super().__init__(message, code=code)


class InvalidImage(ValidationFailed):
    code = "invalid_image"
    default_message = "That file is not a picture we can use."


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = "Too many attempts. Please wait a moment and try again."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


class Unavailable(DomainError):
    """Something Lumi depends on cannot be reached right now; trying again later may work."""

    code = "unavailable"
    default_message = "Lumi cannot reach one of its services right now. Please try again shortly."
