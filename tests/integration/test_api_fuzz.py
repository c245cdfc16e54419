"""Property-based fuzzing of every route the OpenAPI document describes (schemathesis).

The properties: whatever arrives, the API never answers 5xx, and every answer is one the
document promises: a documented status, with the documented content type (none for an
answer without a body), a body valid against the documented schema, and the documented
headers. Cases are generated from the same document the API publishes, valid and invalid
alike, and sent over HTTP through the local adapter, with the token of a person who has a
partner (so the couple's routes answer beyond "you need a partner") and without a token.

Made-up ids only ever reach "not found", so about half of the signed-in cases address a
real moment of the couple, its tag and a message in its chat instead: the answers of
success (a moment, a page, typing's 202 without a body) are held to the document too.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.api.app import openapi_document
from backend.local.stack import LocalStack
from backend.settings import reset_settings
from tests.media import video_bytes

# Routes that end the fuzzing person's session would turn the rest of the run into 401s.
SESSION_ENDING = ("/auth/logout", "/auth/delete-account")
MAX_EXAMPLES = int(os.environ.get("LUMI_FUZZ_EXAMPLES", "30"))
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REAL_TAG = "fuzzed"


@pytest.fixture(scope="module")
def api_url(local_stack_session: LocalStack) -> Iterator[str]:
    local_stack_session.activate()
    previous = os.environ.get("LUMI_RATE_LIMITS_ENABLED")
    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"  # fuzzing is not a login storm
    reset_settings()
    yield local_stack_session.env()["LUMI_API_URL"]
    if previous is None:
        os.environ.pop("LUMI_RATE_LIMITS_ENABLED", None)
    else:
        os.environ["LUMI_RATE_LIMITS_ENABLED"] = previous
    reset_settings()


def call(api_url: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.request(method, f"{api_url}{path}", headers=headers, timeout=30, **kwargs)
    assert response.is_success, response.text
    return response.json() if response.content else None


def register(api_url: str, name: str) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    person = {
        "email": f"{name}.{suffix}@example.com",
        "password": "fuzzing-pass-1",
        "username": f"{name}{suffix}",
        "display_name": name.title(),
    }
    return call(api_url, "POST", "/auth/register", json=person)


@pytest.fixture(scope="module")
def fuzz_token(api_url: str) -> str:
    """The token of a person with a partner."""
    fuzzer, partner = register(api_url, "fuzz"), register(api_url, "partner")
    token = fuzzer["tokens"]["access_token"]
    asked = call(api_url, "POST", "/relationships/requests", token, json={"to": partner["profile"]["username"]})
    call(api_url, "POST", f"/relationships/requests/{asked['request_id']}/accept", partner["tokens"]["access_token"])
    return token


@pytest.fixture(scope="module")
def real_ids(api_url: str, fuzz_token: str) -> dict[str, str]:
    """Path parameters naming what the fuzzing couple really has: a moment, its tag, a message."""
    video = video_bytes()
    ticket = call(
        api_url, "POST", "/moments/uploads", fuzz_token, json={"content_type": "video/mp4", "size": len(video)}
    )
    stored = httpx.post(ticket["url"], data=ticket["fields"], files={"file": ("clip", video, "video/mp4")}, timeout=30)
    assert stored.status_code == 204, stored.text
    moment = {"moment_id": ticket["moment_id"], "title": "Fuzzed", "tags": [REAL_TAG]}
    moment_id = call(api_url, "POST", "/moments", fuzz_token, json=moment)["moment_id"]
    message = call(api_url, "POST", f"/moments/{moment_id}/messages", fuzz_token, json={"text": "hello"})
    return {"moment_id": moment_id, "message_id": message["message_id"], "slug": REAL_TAG}


# The document the API serves at /openapi.json, generated in-process (no sockets at collection).
schema = schemathesis.openapi.from_dict(json.loads(openapi_document()))


@schema.parametrize()
@schema.given(use_real_ids=st.booleans())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_is_documented(
    case: schemathesis.Case, use_real_ids: bool, api_url: str, fuzz_token: str, real_ids: dict[str, str]
) -> None:
    if case.path in SESSION_ENDING:
        pytest.skip("ends the fuzzing session; covered by tests/integration/test_api_auth.py")
    # Deleting for real would leave later cases nothing real to address; made-up ids still
    # hold DELETE's "not found" answers to the document.
    if use_real_ids and case.method != "DELETE" and case.path_parameters:
        case.path_parameters.update({name: real_ids[name] for name in case.path_parameters if name in real_ids})
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    case.call_and_validate(base_url=api_url, headers=headers, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_answer_without_a_token_is_documented(case: schemathesis.Case, api_url: str) -> None:
    case.call_and_validate(base_url=api_url, checks=CHECKS)
