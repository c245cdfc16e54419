"""The Lumi API: one Powertools resolver behind a Lambda function URL.

Routers per domain are included here; request and response bodies are the pydantic models
of ``backend.contracts``, validated on the way in and out, and the OpenAPI document at
``GET /openapi.json`` is generated from the same models. Errors are shaped in
``backend.api.errors`` only.
"""

from __future__ import annotations

from backend.api import cold_start  # isort: skip  (first: collection paused while the rest loads)

import json
import math
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types

from backend.api import errors
from backend.api.auth import bearer_token_from, verify_access_token
from backend.api.routers import (
    affirmations,
    auth,
    chat,
    dates,
    health,
    listening,
    moments,
    music,
    notifications,
    nudges,
    playlists,
    presence,
    push,
    relationships,
    search,
    tags,
    users,
)

TITLE = "Lumi API"
VERSION = "1.0.0"


def parse_json(text: str) -> Any:
    """Strict JSON: no NaN or Infinity, no numbers too large for a float, no nesting that exhausts the stack."""

    def refuse(constant: str) -> Any:
        raise json.JSONDecodeError(f"{constant} is not JSON", text, 0)

    def finite(number: str) -> float:
        value = float(number)
        if not math.isfinite(value):
            raise json.JSONDecodeError("number out of range", text, 0)
        return value

    try:
        return json.loads(text, parse_constant=refuse, parse_float=finite)
    except RecursionError as error:
        raise json.JSONDecodeError("nested too deeply", text, 0) from error


app = LambdaFunctionUrlResolver(enable_validation=True, json_body_deserializer=parse_json)
# search before moments: /moments/search must not be taken for a moment id.
for domain in (
    health,
    auth,
    users,
    relationships,
    presence,
    notifications,
    push,
    nudges,
    search,
    moments,
    tags,
    chat,
    affirmations,
    dates,
    listening,
    music,
    playlists,
):
    app.include_router(domain.router)


def openapi_document() -> str:
    # Powertools' OpenAPI models (pydantic models of the whole OpenAPI spec) cost a cold
    # start ~60 ms; only this route needs them, so they are imported here.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="Accounts, profiles, pairing, presence, notifications, moments with tags and chat, "
        "affirmations, the couple's dates with a calendar feed, and search. Errors are always "
        '`{"error": {"code", "message", "fields"}}`.',
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT", description="A Cognito access token.")},
    )


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_document())


def _authenticate_route() -> None:
    """Raise Unauthorized if the matched route wants a Bearer token and this request has no valid one."""
    route = app.context.get("_route")
    if route is not None and getattr(route, "security", None):
        verify_access_token(bearer_token_from(app.current_event.headers))


errors.register(app, _authenticate_route)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return errors.refuse_form_body(event) or app.resolve(event, context)


cold_start.resume()
