"""What a cold start of the API pays for: ``import backend.api.app`` loads no heavy library.

The API Lambda imports its handler once per cold start, before the first request is served.
Libraries only some routes need (Pillow for photos, mutagen for tags, pywebpush for push,
icalendar for the calendar feed, opensearch-py for search in AWS), the clients every real
request builds on first use (boto3, redis), the settings (pydantic-settings), what only the
docs route needs (Powertools' OpenAPI models) and what only sign-up needs (pydantic's e-mail
type) are imported where they are used, not with the handler. This is a structural
check of ``sys.modules`` in a fresh interpreter; the time itself is a figure of
``bench/api.py``, never a test. Garbage collection, paused while the handler loads
(``backend.api.cold_start``), must be running again afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import function_url_event

ROOT = Path(__file__).resolve().parents[2]

# module → why it must wait for the code that uses it
DEFERRED = {
    "PIL": "Pillow: only when a photo is opened (backend.media.photo)",
    "pillow_heif": "registered with Pillow when a photo is opened",
    "mutagen": "song tags: the music job (backend.media.tags)",
    "pywebpush": "Web Push: the notification sender",
    "py_vapid": "Web Push: the notification sender",
    "icalendar": "the calendar feed route",
    "opensearchpy": "search in AWS: the OpenSearch index (backend.search.opensearch)",
    "httpx": "Spotify and search clients, on first use",
    "requests": "pywebpush's transport",
    "imageio_ffmpeg": "ffmpeg: media jobs only",
    "boto3": "AWS clients are made on first use (backend.aws.client)",
    "redis": "the Redis client is made on first use (backend.store.redis_client)",
    "jwt": "token verification imports PyJWT on the first signed-in request",
    "cryptography": "JWT signatures and CloudFront URLs, on first use",
    "aws_lambda_powertools.event_handler.openapi.models": "the OpenAPI document route only",
    "pydantic.networks": "e-mail addresses: built with the sign-up model (backend.contracts.EmailAddress)",
    "pydantic_settings": "the settings, read by the first request that needs them (backend.settings)",
    "backend.settings": "the settings, read by the first request that needs them",
}


def modules_after(statement: str) -> set[str]:
    """The module names loaded by ``statement`` in a fresh interpreter, run from the repo root."""
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def api_modules() -> set[str]:
    return modules_after("import backend.api.app")


@pytest.mark.parametrize("module", sorted(DEFERRED))
def test_importing_the_api_handler_leaves_heavy_modules_for_later(api_modules: set[str], module: str) -> None:
    assert module not in api_modules, f"`import backend.api.app` imported {module}; it belongs to {DEFERRED[module]}"


# The backend modules a cold start loads before the first request: the errors and the domain
# objects the handler's token check makes, and the session and rate-limit stores it reaches.
# The use cases (and the stores, search, media and realtime code under them) are imported by
# each route when it is called, so a cold start loads only the ones its first request needs.
HANDLER_BACKEND = {
    "backend.domain.errors",
    "backend.domain.models",
    "backend.store.redis_client",
    "backend.store.redis_errors",
    "backend.store.sessions",
}
ROUTE_BACKEND = ("backend.domain.", "backend.store.", "backend.search", "backend.media", "backend.realtime")


def test_importing_the_api_handler_leaves_the_use_cases_to_their_routes(api_modules: set[str]) -> None:
    early = {module for module in api_modules if module.startswith(ROUTE_BACKEND)} - HANDLER_BACKEND
    assert not early, f"`import backend.api.app` imported {sorted(early)}; import them in the routes that use them"


def test_the_check_sees_a_heavy_module_when_one_is_imported() -> None:
    """The subprocess check itself works: a module imported by the statement is reported."""
    assert {"PIL", "boto3"} <= modules_after("import backend.api.app, PIL, boto3")


def test_the_handler_still_resolves_a_route_without_them() -> None:
    """A request that needs no backing service (an unknown path: 404) is answered without loading them."""
    code = """
import json, sys
from backend.api.app import handler
answer = handler(json.loads(sys.stdin.read()), None)
print(json.dumps({"status": answer["statusCode"], "body": answer["body"], "modules": sorted(sys.modules)}))
"""
    event = json.dumps(function_url_event("GET", "/nowhere"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, input=event, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["status"], json.loads(result["body"])["error"]["code"]) == (404, "not_found")
    assert not {"PIL", "boto3", "redis", "jwt"} & set(result["modules"])


def test_the_import_leaves_garbage_collection_running_with_its_objects_frozen() -> None:
    """Collection is paused only while the handler loads (backend.api.cold_start), never left off."""
    code = "import gc, json; import backend.api.app; print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    enabled, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert enabled is True
    assert frozen > 10_000  # what the import made is out of later collections' way


def test_a_process_that_had_collection_off_keeps_it_off() -> None:
    code = "import gc, json; gc.disable(); import backend.api.app; print(json.dumps(gc.isenabled()))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False
