"""Request models normalise what people type before checking it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

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
