"""The OpenAPI document is served and generated from the same models the API validates with,
and promises what the routes really answer (the fuzz test holds real answers to it)."""

from __future__ import annotations

import json
from typing import Any, get_type_hints

from aws_lambda_powertools.event_handler import Response

from backend import contracts
from backend.api.app import app, openapi_document
from tests.integration.conftest import Api

EXPECTED = {
    ("get", "/health"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/password"),
    ("post", "/auth/password/forgot"),
    ("post", "/auth/password/reset"),
    ("post", "/auth/signup/confirm"),
    ("post", "/auth/signup/resend"),
    ("post", "/auth/delete-account"),
    ("get", "/users/me"),
    ("patch", "/users/me"),
    ("post", "/users/me/avatar"),
    ("put", "/users/me/avatar"),
    ("get", "/relationships/current"),
    ("get", "/relationships/requests"),
    ("post", "/relationships/requests"),
    ("post", "/relationships/requests/{request_id}/accept"),
    ("post", "/relationships/requests/{request_id}/decline"),
    ("delete", "/relationships/requests/{request_id}"),
    ("get", "/relationships/{relationship_id}"),
    ("put", "/relationships/{relationship_id}/anniversary"),
    ("delete", "/relationships/{relationship_id}"),
    ("post", "/presence/heartbeat"),
    ("post", "/presence/disconnect"),
    ("get", "/presence/partner"),
    ("get", "/notifications"),
    ("get", "/notifications/unread-count"),
    ("post", "/notifications/read"),
    ("get", "/notifications/settings"),
    ("put", "/notifications/settings"),
    ("get", "/notifications/{notification_id}"),
    ("get", "/push/vapid-public-key"),
    ("post", "/push/subscriptions"),
    ("delete", "/push/subscriptions"),
    ("post", "/nudges"),
    ("post", "/moments/uploads"),
    ("post", "/moments"),
    ("get", "/moments"),
    ("get", "/moments/search"),
    ("get", "/moments/{moment_id}"),
    ("patch", "/moments/{moment_id}"),
    ("delete", "/moments/{moment_id}"),
    ("get", "/tags"),
    ("get", "/tags/{slug}/moments"),
    ("delete", "/tags/{slug}"),
    ("get", "/moments/{moment_id}/messages"),
    ("post", "/moments/{moment_id}/messages"),
    ("patch", "/moments/{moment_id}/messages/{message_id}"),
    ("delete", "/moments/{moment_id}/messages/{message_id}"),
    ("put", "/moments/{moment_id}/messages/{message_id}/reaction"),
    ("post", "/moments/{moment_id}/typing"),
    ("post", "/moments/{moment_id}/receipts"),
    ("get", "/affirmations"),
    ("post", "/affirmations"),
    ("patch", "/affirmations/{affirmation_id}"),
    ("delete", "/affirmations/{affirmation_id}"),
    ("get", "/affirmations/schedule"),
    ("put", "/affirmations/schedule"),
    ("get", "/affirmations/received"),
    ("put", "/affirmations/received/{delivery_id}/heart"),
    ("delete", "/affirmations/received/{delivery_id}/heart"),
    ("post", "/affirmations/send-now"),
    ("get", "/dates"),
    ("post", "/dates"),
    ("get", "/dates/upcoming"),
    ("get", "/dates/reminders"),
    ("put", "/dates/reminders"),
    ("put", "/dates/reminders/zone"),
    ("get", "/dates/{date_id}"),
    ("patch", "/dates/{date_id}"),
    ("delete", "/dates/{date_id}"),
    ("get", "/calendar/feed"),
    ("post", "/calendar/feed"),
    ("delete", "/calendar/feed"),
    ("get", "/calendar/{secret}.ics"),
    ("post", "/music/uploads"),
    ("post", "/music/songs"),
    ("get", "/music/usage"),
    ("get", "/music/songs"),
    ("get", "/music/songs/{song_id}"),
    ("delete", "/music/songs/{song_id}"),
    ("patch", "/music/songs/{song_id}"),
    ("post", "/music/songs/{song_id}/cover"),
    ("put", "/music/songs/{song_id}/cover"),
    ("delete", "/music/songs/{song_id}/cover"),
    ("get", "/music/albums"),
    ("get", "/music/albums/{album_id}/songs"),
    ("get", "/music/artists"),
    ("get", "/music/artists/{artist_id}/songs"),
    ("get", "/music/player"),
    ("put", "/music/player/state"),
    ("post", "/music/player/queue"),
    ("patch", "/music/player/queue/{entry_id}"),
    ("delete", "/music/player/queue/{entry_id}"),
    ("delete", "/music/player/queue"),
    ("get", "/music/playlists"),
    ("post", "/music/playlists"),
    ("get", "/music/playlists/{playlist_id}"),
    ("patch", "/music/playlists/{playlist_id}"),
    ("delete", "/music/playlists/{playlist_id}"),
    ("post", "/music/playlists/{playlist_id}/cover"),
    ("put", "/music/playlists/{playlist_id}/cover"),
    ("delete", "/music/playlists/{playlist_id}/cover"),
    ("get", "/music/playlists/{playlist_id}/entries"),
    ("post", "/music/playlists/{playlist_id}/entries"),
    ("patch", "/music/playlists/{playlist_id}/entries/{entry_id}"),
    ("delete", "/music/playlists/{playlist_id}/entries/{entry_id}"),
    ("get", "/music/playlists/{playlist_id}/play"),
    ("post", "/music/plays"),
    ("get", "/music/plays"),
    ("get", "/music/stats"),
    ("get", "/music/stats/days"),
    ("get", "/music/search"),
}
PUBLIC = {
    ("get", "/health"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/password/forgot"),
    ("post", "/auth/password/reset"),
    ("post", "/auth/signup/confirm"),
    ("post", "/auth/signup/resend"),
    ("get", "/calendar/{secret}.ics"),  # calendar apps have no session: the secret is the key
}
# The routes that answer without a body, with the status they answer.
WITHOUT_A_BODY = {
    ("post", "/auth/logout"): 204,
    ("post", "/auth/password"): 204,
    ("post", "/auth/password/reset"): 204,
    ("post", "/auth/signup/confirm"): 204,
    ("post", "/auth/delete-account"): 204,
    ("post", "/push/subscriptions"): 201,
    ("delete", "/push/subscriptions"): 204,
    ("post", "/relationships/requests/{request_id}/decline"): 204,
    ("delete", "/relationships/requests/{request_id}"): 204,
    ("delete", "/relationships/{relationship_id}"): 204,
    ("delete", "/moments/{moment_id}"): 204,
    ("delete", "/tags/{slug}"): 204,
    ("post", "/moments/{moment_id}/typing"): 202,
    ("delete", "/affirmations/{affirmation_id}"): 204,
    ("put", "/affirmations/received/{delivery_id}/heart"): 204,
    ("delete", "/affirmations/received/{delivery_id}/heart"): 204,
    ("delete", "/dates/{date_id}"): 204,
    ("delete", "/calendar/feed"): 204,
    ("delete", "/music/songs/{song_id}"): 204,
    ("delete", "/music/player/queue/{entry_id}"): 204,
    ("delete", "/music/player/queue"): 204,
    ("delete", "/music/playlists/{playlist_id}"): 204,
    ("delete", "/music/playlists/{playlist_id}/entries/{entry_id}"): 204,
}
# The calendar feed: iCalendar, not JSON, and a 404 that says nothing (not even in JSON).
FEED = ("get", "/calendar/{secret}.ics")
NOT_JSON = {(FEED, "200"): {"text/calendar"}}
ERRORS_WITHOUT_A_BODY = {(FEED, "404")}
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}


def operations_of(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): op for path, item in document["paths"].items() for method, op in item.items()}


def test_openapi_document_lists_every_route_with_models_and_security(api: Api) -> None:
    status, document = api.get("/openapi.json")
    assert status == 200
    assert document["info"]["title"] == "Lumi API"
    operations = operations_of(document)
    assert set(operations) == EXPECTED
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Cognito access token.",
    }
    for key, operation in operations.items():
        assert ("security" in operation) == (key not in PUBLIC), key
        for code, response in operation["responses"].items():
            if (key, code) in ERRORS_WITHOUT_A_BODY:
                assert response["content"] == {}, (key, code)
            elif int(code) >= 400:
                assert response["content"] == ERROR_BODY, (key, code)
    schemas = document["components"]["schemas"]
    assert schemas["RegisterRequest"]["properties"]["username"]["pattern"] == contracts.USERNAME_PATTERN
    assert operations[("post", "/auth/register")]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterRequest"
    }
    assert "201" in operations[("post", "/auth/register")]["responses"]
    assert "204" in operations[("delete", "/relationships/{relationship_id}")]["responses"]
    assert "409" in operations[("post", "/relationships/requests")]["responses"]
    # sign-in and reset never answer "no such account": no 404 to tell it apart
    assert "404" not in operations[("post", "/auth/login")]["responses"]
    forgot = operations[("post", "/auth/password/forgot")]["responses"]
    assert forgot["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PasswordResetRequested"
    }
    assert "404" not in forgot and "404" not in operations[("post", "/auth/password/reset")]["responses"]
    # sign-up answers a session, or that the e-mailed code is needed; the code routes tell no one who exists
    register = operations[("post", "/auth/register")]["responses"]
    assert register["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AuthSession"}
    assert register["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SignUpPending"}
    resend = operations[("post", "/auth/signup/resend")]["responses"]
    assert resend["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SignUpCodeSent"}
    for route in ("/auth/signup/confirm", "/auth/signup/resend"):
        assert (
            "404" not in operations[("post", route)]["responses"] and "429" in operations[("post", route)]["responses"]
        )


def routes_answering_without_a_body() -> dict[tuple[str, str], int]:
    """Every route whose handler answers ``Response[None]``, with its status (Powertools keeps
    no public list of routes; if this breaks after an upgrade, find them another way)."""
    routes = app._static_routes + app._dynamic_routes
    return {
        (route.method.lower(), route.openapi_path): route.status_code
        for route in routes
        if route.include_in_schema and get_type_hints(route.func).get("return") == Response[None]
    }


def test_an_answer_without_a_body_is_documented_without_one() -> None:
    # given the routes that answer without a body (204, but also typing's 202 and a push
    # subscription's 201)
    assert routes_answering_without_a_body() == WITHOUT_A_BODY
    operations = operations_of(json.loads(openapi_document()))
    # then the document promises no content for those answers, nor for any 204
    for (method, path), status in WITHOUT_A_BODY.items():
        assert not operations[(method, path)]["responses"][str(status)].get("content"), (method, path, status)
    for key, operation in operations.items():
        for code, response in operation["responses"].items():
            if code == "204":
                assert not response.get("content"), key
            elif code.startswith("2") and key not in WITHOUT_A_BODY:
                assert set(response["content"]) == NOT_JSON.get((key, code), {"application/json"}), (key, code)


def test_errors_are_documented_alike_on_every_route() -> None:
    operations = operations_of(json.loads(openapi_document()))
    for key, operation in operations.items():
        responses = operation["responses"]
        # any path refuses a form body before routing, and anything may fail unexpectedly
        assert {"415", "500"} <= set(responses), key
        # a route that wants a token says what happens without one
        if "security" in operation:
            assert "401" in responses, key
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["required"] is True, key
