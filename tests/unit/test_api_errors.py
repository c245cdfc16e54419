"""One error shape, statuses by kind, validation messages in words, Bearer parsing."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from backend.api.auth import bearer_token_from
from backend.api.errors import domain_error_response, field_message, status_for, validation_fields
from backend.contracts import RegisterRequest
from backend.domain.errors import (
    BadRequest,
    Conflict,
    InvalidImage,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    WeakPassword,
    WrongPassword,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound(), 404),
        (NotFound(code="unknown_user"), 404),
        (Conflict(code="username_taken"), 409),
        (Unauthorized(code="wrong_password"), 401),
        (WrongPassword(), 400),
        (WeakPassword(), 400),
        (BadRequest(code="cannot_pair_with_self"), 400),
        (ValidationFailed({"a": "b"}), 422),
        (InvalidImage(), 422),
        (RateLimited(7), 429),
    ],
)
def test_each_kind_of_domain_error_has_one_status(error: Exception, status: int) -> None:
    assert status_for(error) == status  # type: ignore[arg-type]


def test_error_bodies_have_one_shape() -> None:
    response = domain_error_response(RateLimited(7))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert json.loads(response.body) == {
        "error": {"code": "rate_limited", "message": RateLimited.default_message, "fields": {}}
    }
    body = json.loads(domain_error_response(InvalidImage({"key": "Not a picture."})).body)
    assert body == {
        "error": {"code": "invalid_image", "message": InvalidImage.default_message, "fields": {"key": "Not a picture."}}
    }


def test_pydantic_errors_become_one_sentence_per_field() -> None:
    with pytest.raises(ValidationError) as invalid:
        RegisterRequest.model_validate(
            {"email": "nope", "password": "short", "username": "-X-", "display_name": "", "extra": 1}
        )
    errors = [{**e, "loc": ("body", *e["loc"])} for e in invalid.value.errors()]
    fields = validation_fields(errors)
    assert set(fields) == {"email", "password", "username", "display_name", "extra"}
    assert fields["email"] == "Enter a valid e-mail address."
    assert "8 characters" in fields["password"]
    assert "lowercase letters" in fields["username"]
    assert fields["display_name"] == "This field cannot be empty."
    assert fields["extra"] == "This field is not expected here."
    assert all("pydantic" not in message and "Value error" not in message for message in fields.values())


def test_a_missing_body_is_reported_on_the_body() -> None:
    assert validation_fields([{"type": "missing", "loc": ("body",)}]) == {"body": "This field is required."}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"type": "int_parsing", "loc": ("body", "size")}, "This must be a whole number."),
        ({"type": "greater_than", "loc": ("body", "size"), "ctx": {"gt": 0}}, "This must be more than 0."),
        ({"type": "string_too_long", "loc": ("body", "x"), "ctx": {"max_length": 60}}, "Use at most 60 characters."),
        (
            {"type": "date_from_datetime_parsing", "loc": ("body", "anniversary")},
            "This must be a date like 2024-02-14.",
        ),
        (
            {
                "type": "value_error",
                "loc": ("body", "a"),
                "msg": "Value error, The anniversary cannot be in the future.",
            },
            "The anniversary cannot be in the future.",
        ),
        ({"type": "something_new", "loc": ("body", "a")}, "This value is not valid."),
    ],
)
def test_field_messages_are_words(error: dict, message: str) -> None:
    assert field_message(error) == message


@pytest.mark.parametrize(
    ("headers", "token"),
    [({"authorization": "Bearer abc.def.ghi"}, "abc.def.ghi"), ({"Authorization": "bearer  tok "}, "tok")],
)
def test_bearer_tokens_are_read_from_the_authorization_header(headers: dict[str, str], token: str) -> None:
    assert bearer_token_from(headers) == token


def test_the_api_reads_the_token_header_the_app_sends() -> None:
    from backend import contracts
    from backend.api import auth

    assert auth.ACCESS_TOKEN_HEADER == contracts.ACCESS_TOKEN_HEADER


SIGV4 = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host"


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"x-lumi-authorization": "Bearer app.server.call", "authorization": SIGV4}, "app.server.call"),
        ({"X-Lumi-Authorization": "Bearer first", "Authorization": "Bearer second"}, "first"),
    ],
)
def test_the_app_servers_calls_carry_the_token_beside_their_signature(headers: dict[str, str], token: str) -> None:
    """In AWS the app server's Authorization is its SigV4 signature; the person's token is in X-Lumi-Authorization."""
    assert bearer_token_from(headers) == token


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"authorization": ""},
        {"authorization": "Basic abc"},
        {"authorization": "Bearer "},
        {"authorization": SIGV4},
        # a malformed token header is not made up for by Authorization
        {"x-lumi-authorization": "", "authorization": "Bearer abc.def.ghi"},
    ],
)
def test_without_a_bearer_token_the_caller_must_sign_in(headers: dict[str, str] | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token_from(headers)
