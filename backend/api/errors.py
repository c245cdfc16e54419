"""Every error the API returns, in one shape and decided in one place.

Body: ``{"error": {"code", "message", "fields"}}``. Domain errors map by kind to a status;
request validation becomes 422 ``validation_error`` with a sentence per field; a body that
is not JSON is 400 ``malformed_json``; anything unexpected is a logged 500 that reveals
nothing about the code.
"""

from __future__ import annotations

import binascii
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from backend.contracts import PASSWORD_RULE, RESET_CODE_RULE, USERNAME_RULE, ErrorBody, ErrorResponse
from backend.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger("lumi.api")

# Most specific first: the first kind an error is an instance of decides its status.
STATUS_BY_KIND: tuple[tuple[type[DomainError], int], ...] = (
    (RateLimited, 429),
    (ValidationFailed, 422),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (BadRequest, 400),
    (Unavailable, 503),
)


def status_for(error: DomainError) -> int:
    return next((status for kind, status in STATUS_BY_KIND if isinstance(error, kind)), 500)


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, fields=fields or {}))
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers=headers,
    )


# Bodies Powertools would parse as forms before any route runs; the API speaks JSON only.
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_form_body(event: dict) -> dict | None:
    """The function-URL response for a form-encoded body, refused at the edge (415), or None.

    Powertools parses forms inside its validation middleware, before any route or
    middleware of ours, and a malformed form header makes it raise a bare ValueError."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in _FORM_TYPES:
        return None
    body = ErrorResponse(
        error=ErrorBody(code="unsupported_media_type", message="Send the request body as JSON.", fields={})
    )
    return {"statusCode": 415, "headers": {"Content-Type": "application/json"}, "body": body.model_dump_json()}


def domain_error_response(error: DomainError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    fields = error.fields if isinstance(error, ValidationFailed) else None
    return error_response(status_for(error), error.code, error.message, fields, headers)


# ---------------------------------------------------------------- validation messages in words

_FIELD_RULES = {
    "username": f"Usernames are {USERNAME_RULE}.",
    "password": f"Passwords need {PASSWORD_RULE}.",
    "code": f"Enter {RESET_CODE_RULE}.",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    # Powertools puts the parameter name first when a route has one body model; drop it.
    return ".".join(parts) or "body"


def field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    name = str(error.get("loc", ("",))[-1])
    if kind == "missing":
        return "This field is required."
    if kind == "extra_forbidden":
        return "This field is not expected here."
    if kind == "string_pattern_mismatch":
        return _FIELD_RULES.get(name, "This value is not in the expected format.")
    if kind == "string_too_short":
        if name in ("password", "new_password"):
            return f"Passwords need {PASSWORD_RULE}."
        if ctx.get("min_length") == 1:
            return "This field cannot be empty."
        return f"Use at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters."
    if kind in ("string_type", "str_type"):
        return "This must be text."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "This must be a whole number."
    if kind in ("greater_than", "greater_than_equal"):
        return f"This must be more than {ctx.get('gt', ctx.get('ge'))}."
    if kind == "literal_error":
        return f"This must be one of: {ctx.get('expected', '')}."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "This must be a date like 2024-02-14."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "This must be a JSON object."
    if kind == "value_error":
        message = str(error.get("msg", ""))
        if "email" in message.lower():
            return "Enter a valid e-mail address."
        return message.removeprefix("Value error, ")
    return "This value is not valid."


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        fields.setdefault(_field_name(tuple(error.get("loc", ()))), field_message(error))
    return fields


# ---------------------------------------------------------------- registration

# A backing service that could not be reached (503, not 500): module → its connection and
# timeout errors. Looked up among the modules already loaded, so answering errors imports
# neither redis nor botocore (a cold start pays for them only when a request uses them); an
# error of a library that was never imported cannot have been raised.
_UNREACHABLE = {
    "redis.exceptions": ("ConnectionError", "TimeoutError"),
    "botocore.exceptions": ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"),
}


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says Redis or an AWS endpoint did not answer (connection or timeout)."""
    for module_name, names in _UNREACHABLE.items():
        module = sys.modules.get(module_name)
        if module is not None and isinstance(error, tuple(getattr(module, name) for name in names)):
            return True
    return False


def register(app: Any, authenticate_route: Callable[[], None]) -> None:
    """Install the handlers on the resolver.

    ``authenticate_route`` raises :class:`Unauthorized` when the matched route needs a
    Bearer token and the request lacks a valid one: validation runs before dependencies
    in Powertools, and an anonymous caller should hear "sign in", not how to fix the body.
    """

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        try:
            authenticate_route()
        except DomainError as auth_error:
            return domain_error_response(auth_error)
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        return error_response(422, "validation_error", "Some fields need another look.", validation_fields(errors))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response:
        return error_response(415, "unsupported_media_type", "Send the request body as JSON.")

    @app.exception_handler(NotFoundError)
    def _no_route(_: NotFoundError) -> Response:
        return error_response(404, "not_found", "There is nothing here.")

    @app.exception_handler([json.JSONDecodeError, binascii.Error, UnicodeDecodeError])
    def _bad_body(_: Exception) -> Response:
        # A body that cannot even be decoded (bad base64, not UTF-8) is as unreadable as bad JSON.
        return error_response(400, "malformed_json", "The request body is not valid JSON.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        if is_unreachable(error):
            log.error("a backing service is unreachable: %s", error)
            return domain_error_response(Unavailable())
        log.exception("unhandled error", exc_info=error)
        return error_response(500, "internal_error", "Something went wrong on our side. Please try again.")
