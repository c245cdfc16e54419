"""The OpenAPI document is served and generated from the same models the API validates with."""

from __future__ import annotations

from backend import contracts
from tests.integration.conftest import Api

EXPECTED = {
    ("get", "/health"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/password"),
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
}
PUBLIC = {("get", "/health"), ("post", "/auth/register"), ("post", "/auth/login"), ("post", "/auth/refresh")}


def test_openapi_document_lists_every_route_with_models_and_security(api: Api) -> None:
    status, document = api.get("/openapi.json")
    assert status == 200
    assert document["info"]["title"] == "Lumi API"
    operations = {(method, path): op for path, item in document["paths"].items() for method, op in item.items()}
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
            if int(code) >= 400:
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"
                }, (key, code)
    schemas = document["components"]["schemas"]
    assert schemas["RegisterRequest"]["properties"]["username"]["pattern"] == contracts.USERNAME_PATTERN
    assert operations[("post", "/auth/register")]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterRequest"
    }
    assert "201" in operations[("post", "/auth/register")]["responses"]
    assert "204" in operations[("delete", "/relationships/{relationship_id}")]["responses"]
    assert "409" in operations[("post", "/relationships/requests")]["responses"]
