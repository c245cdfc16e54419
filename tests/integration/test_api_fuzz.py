"""Property-based fuzzing of every route the OpenAPI document describes (schemathesis).

The property: whatever arrives, the API never answers 5xx. Cases are generated from the
same document the API publishes, valid and invalid alike, and sent over HTTP through the
local adapter with a real signed-in person's token (and without one).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from backend.api.app import openapi_document
from backend.local.stack import LocalStack
from backend.settings import reset_settings

# Routes that end the fuzzing person's session would turn the rest of the run into 401s.
SESSION_ENDING = ("/auth/logout", "/auth/delete-account")
MAX_EXAMPLES = int(os.environ.get("LUMI_FUZZ_EXAMPLES", "30"))


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


@pytest.fixture(scope="module")
def fuzz_token(api_url: str) -> str:
    suffix = uuid.uuid4().hex[:8]
    response = httpx.post(
        f"{api_url}/auth/register",
        json={
            "email": f"fuzz.{suffix}@example.com",
            "password": "fuzzing-pass-1",
            "username": f"fuzz{suffix}",
            "display_name": "Fuzz",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["tokens"]["access_token"]


# The document the API serves at /openapi.json, generated in-process (no sockets at collection).
schema = schemathesis.openapi.from_dict(json.loads(openapi_document()))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_route_answers_a_server_error(case: schemathesis.Case, api_url: str, fuzz_token: str) -> None:
    if case.path in SESSION_ENDING:
        pytest.skip("ends the fuzzing session; covered by tests/integration/test_api_auth.py")
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    case.call_and_validate(base_url=api_url, headers=headers, checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_route_answers_a_server_error_without_a_token(case: schemathesis.Case, api_url: str) -> None:
    case.call_and_validate(base_url=api_url, checks=[not_a_server_error])
