"""Garbage in, a clear 4xx out: no route answers 500 to bad input, and errors keep one shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.local.lambda_context import LocalLambdaContext
from tests.builders import function_url_event
from tests.integration.conftest import Api, MakeCouple, Person, Register

# Routes that read a body: (method, path template, needs a token); {rel} and {req} are filled
# with the caller's own relationship id and a well-formed request id. Sign-out goes last: an
# empty object is a valid sign-out request, after which every protected route says 401.
ROUTES: list[tuple[str, str, bool]] = [
    ("POST", "/auth/register", False),
    ("POST", "/auth/login", False),
    ("POST", "/auth/refresh", False),
    ("POST", "/auth/password/forgot", False),
    ("POST", "/auth/password/reset", False),
    ("POST", "/auth/password", True),
    ("POST", "/auth/delete-account", True),
    ("PATCH", "/users/me", True),
    ("POST", "/users/me/avatar", True),
    ("PUT", "/users/me/avatar", True),
    ("POST", "/relationships/requests", True),
    ("PUT", "/relationships/{rel}/anniversary", True),
    ("POST", "/auth/logout", True),
]

BAD_BODIES = [
    "",
    "{",
    '{"a": 1,}',
    "null",
    "[]",
    "[1, 2]",
    "0",
    "-1e999",
    "NaN",
    '"just text"',
    "true",
    "{}",
    '{"unexpected": 1}',
    '{"login": null, "password": null}',
    '{"password": 12345678, "email": ["a"]}',
    '{"to": ""}',
    '{"to": "   "}',
    '{"key": "../../../etc/passwd"}',
    '{"anniversary": "not a date"}',
    '{"anniversary": "99999-01-01"}',
    '{"anniversary": 20200101}',
    '{"size": -1, "content_type": "image/png"}',
    '{"size": 1e400, "content_type": "image/png"}',
    '{"content_type": "image/png", "size": 99999999999999999999999999}',
    '{"display_name": "\\u0000"}',
    '{"username": "\\ud800"}',
    '{"refresh_token": "' + "x" * 20000 + '"}',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "\x00\x01\x02",
    "\ufeff{}",
]


def assert_clean_error(status: int, body: Any) -> None:
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"code", "message", "fields"}, error
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
        assert isinstance(error["fields"], dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())


@pytest.fixture
def paired(couple: MakeCouple) -> tuple[Person, str, str]:
    """A paired person: (person, their relationship id, a well-formed request id that is not theirs)."""
    ana, _, rid = couple()
    return ana, rid, "0123456789abcdef0123456789abcdef"


def fill(path: str, rid: str, req: str) -> str:
    return path.replace("{rel}", rid).replace("{req}", req)


def test_hand_picked_garbage_gets_a_clear_error_on_every_route(api: Api, paired: tuple[Person, str, str]) -> None:
    person, rid, req = paired
    statuses: dict[str, set[int]] = {}
    for method, template, needs_token in ROUTES:
        path = fill(template, rid, req)
        for body in BAD_BODIES:
            if body == "{}" and template in ("/auth/logout", "/users/me"):
                continue  # valid requests (sign out; change nothing)
            status, answer = api.request(method, path, body=body, token=person.access_token if needs_token else None)
            assert_clean_error(status, answer)
            statuses.setdefault(f"{method} {template}", set()).add(status)
    # every route really looked at the garbage (not a blanket 401), and nothing was changed by it
    assert {k: v for k, v in statuses.items() if not v <= {400, 415, 422}} == {}
    status, me = api.get("/users/me", token=person.access_token)
    assert status == 200 and me["relationship_id"] == rid and me["username"] == person.username


def test_malformed_json_is_400_and_invalid_fields_are_422(api: Api) -> None:
    status, body = api.post("/auth/login", body="{not json")
    assert status == 400 and body["error"]["code"] == "malformed_json"
    status, body = api.post("/auth/login", body='{"login": 5}')
    assert status == 422 and body["error"]["code"] == "validation_error"
    assert set(body["error"]["fields"]) == {"login", "password"}
    assert body["error"]["fields"]["password"] == "This field is required."


def test_anonymous_garbage_to_a_protected_route_is_401_not_422(api: Api) -> None:
    status, body = api.patch("/users/me", body='{"username": 5}')
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_a_body_that_is_not_json_is_refused(api: Api, register: Register) -> None:
    person = register("ct")
    status, body = api.post(
        "/relationships/requests", body="to=someone", headers={"content-type": "text/plain"}, token=person.access_token
    )
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


def test_garbage_paths_and_methods(api: Api, register: Register) -> None:
    person = register("path")
    for method, path in [
        ("GET", "/relationships/" + "x" * 500),
        ("GET", "/relationships/%00"),
        ("GET", "/relationships/a%2Fb"),
        ("GET", "/relationships/..%2F..%2Fusers"),
        ("GET", "/relationships/requests/abc/accept"),
        ("PATCH", "/relationships/current"),
        ("GET", "/users/me/../me"),
        ("POST", "/nowhere"),
        ("GET", "/"),
    ]:
        status, body = api.request(method, path, token=person.access_token)
        assert_clean_error(status, body)
        assert status in (401, 404, 405, 422), (method, path, status)


def test_base64_bodies_that_do_not_decode_are_refused(stack: Any) -> None:
    from backend.api.app import handler

    event = function_url_event("POST", "/auth/login", body="%%%not base64%%%")
    event["isBase64Encoded"] = True
    response = handler(event, LocalLambdaContext(function_name="lumi-api"))
    assert 400 <= response["statusCode"] < 500
    assert_clean_error(response["statusCode"], json.loads(response["body"]))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def bodies(fields: list[str]) -> st.SearchStrategy[Any]:
    """Mostly objects with the route's own field names (so validation gets past the shape), some anything."""
    return st.one_of(
        st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)),
        st.fixed_dictionaries({name: json_values for name in fields}),
        json_values,
    )


FUZZED = [
    ("POST", "/auth/login", ["login", "password"], False),
    ("POST", "/auth/password/forgot", ["login"], False),
    ("POST", "/auth/password/reset", ["login", "code", "new_password"], False),
    ("PATCH", "/users/me", ["display_name", "username"], True),
    ("POST", "/relationships/requests", ["to"], True),
    ("PUT", "/relationships/{rel}/anniversary", ["anniversary"], True),
    ("POST", "/users/me/avatar", ["content_type", "size"], True),
]


@pytest.mark.parametrize(("method", "template", "fields", "needs_token"), FUZZED, ids=[f[1] for f in FUZZED])
def test_fuzzed_bodies_never_cause_a_500(
    api: Api, couple: MakeCouple, method: str, template: str, fields: list[str], needs_token: bool
) -> None:
    person, _, rid = couple()
    path = fill(template, rid, "")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies(fields))
    def check(body: Any) -> None:
        status, answer = api.request(method, path, json=body, token=person.access_token if needs_token else None)
        assert_clean_error(status, answer)

    check()
