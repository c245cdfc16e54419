"""Request models normalise what people type before checking it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, EmailStr, ValidationError

from backend.contracts import USERNAME_PATTERN, RegisterRequest, UpdateProfileRequest


@pytest.mark.parametrize(("typed", "kept"), [("Ana.Lee", "ana.lee"), ("  BEN_2 ", "ben_2"), ("ana", "ana")])
def test_usernames_are_lower_cased_and_trimmed_before_the_rule_is_checked(typed: str, kept: str) -> None:
    assert UpdateProfileRequest(username=typed).username == kept


@pytest.mark.parametrize("typed", ["Ana Lee", "AN", ".Ana", "Ana.", "Änä", "", 42])
def test_usernames_outside_the_rule_are_still_refused(typed: object) -> None:
    with pytest.raises(ValidationError) as caught:
        UpdateProfileRequest(username=typed)  # type: ignore[arg-type]
    assert caught.value.errors()[0]["loc"] == ("username",)


def test_the_schema_still_states_the_username_rule() -> None:
    schema = RegisterRequest.model_json_schema()["properties"]["username"]
    assert schema == {"pattern": USERNAME_PATTERN, "title": "Username", "type": "string"}


class _EmailStrReference(BaseModel):
    email: EmailStr


def _outcome(model: type[BaseModel], value: object) -> object:
    try:
        return model.model_validate({"email": value}).model_dump()["email"]
    except ValidationError as error:
        return [(e["type"], e["msg"]) for e in error.errors()]


@pytest.mark.parametrize("typed", ["ana@example.com", "Ana@EXAMPLE.com", "nope", "a@b", "x@localhost", "", 42])
def test_the_sign_up_address_is_checked_as_pydantic_s_email_str(typed: object) -> None:
    """``EmailAddress`` only defers importing ``EmailStr``: same values kept, same errors."""
    fields = {"password": "abcdefg1", "username": "ana", "display_name": "Ana"}
    try:
        got: object = RegisterRequest.model_validate({"email": typed, **fields}).email
    except ValidationError as error:
        got = [(e["type"], e["msg"]) for e in error.errors() if e["loc"] == ("email",)]
    assert got == _outcome(_EmailStrReference, typed)


def test_the_schema_still_says_the_address_is_an_e_mail() -> None:
    schema = RegisterRequest.model_json_schema()["properties"]["email"]
    assert (
        schema
        == _EmailStrReference.model_json_schema()["properties"]["email"]
        == {
            "format": "email",
            "title": "Email",
            "type": "string",
        }
    )
