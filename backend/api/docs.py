"""OpenAPI response declarations, so the document lists every status a route can answer.

Each route names its success model (None: it answers without a body) and the error statuses
it may return; the common ones (bad JSON, validation, a form body refused at the edge,
unexpected errors, an unreachable backing service) are added for every route here. Error
bodies are always :class:`backend.contracts.ErrorResponse` in JSON; a 429 also carries
Retry-After. The fuzz test (``tests/integration/test_api_fuzz.py``) holds real answers to
this document: status, content type, body and headers.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from backend.contracts import ErrorResponse

# An id in a path (request, relationship, notification): checked before any route runs.
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

ERROR_DESCRIPTIONS = {
    400: "Bad request (`malformed_json`, `weak_password`, `wrong_password`, `invalid_code`, `code_expired`, "
    "`cannot_pair_with_self`…)",
    401: "Missing, invalid, expired or signed-out token (`unauthorized`, `session_expired`), or an unknown account "
    "or wrong password at sign-in (`invalid_credentials`, the same for both), or an account whose e-mail is not "
    "confirmed yet (`account_not_confirmed`)",
    403: "Seen but not the caller's to change (`forbidden`)",
    404: "Not found, or not the caller's (`not_found`, `unknown_user`)",
    409: "Conflicts with existing data (see `error.code`)",
    415: "The body is not JSON (`unsupported_media_type`)",
    422: "Fields failed validation (`validation_error`, `invalid_image`, `weak_password`); `error.fields` says why",
    429: "Too many attempts (`rate_limited`); see the Retry-After header",
    500: "Unexpected error (`internal_error`)",
    503: "A backing service is unreachable (`unavailable`)",
}
_ALWAYS = (400, 415, 422, 500, 503)
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the next attempt may succeed",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def responses(success: int, model: type[BaseModel] | None, *errors: int, description: str = "OK") -> dict[int, Any]:
    # An empty content map says "no body": without one Powertools documents the handler's
    # return annotation (``Response[None]``) as a JSON null.
    content = {"application/json": {"model": model}} if model is not None else {}
    documented: dict[int, Any] = {success: {"description": description, "content": content}}
    for status in sorted({*_ALWAYS, *errors}):
        documented[status] = _error(status)
    return documented


def _error(status: int) -> dict[str, Any]:
    """One error answer as documented: always the error body in JSON."""
    documented: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"model": ErrorResponse}},
    }
    if status == 429:
        documented["headers"] = _RETRY_AFTER
    return documented
