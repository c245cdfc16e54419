"""The integration fixtures: the package's real local stacks, stopped when its last test has run.

Tests call the Lambda handler in-process with function-URL events through ``api``; the
same object could speak HTTP to the local adapter without the tests changing.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.local.lambda_context import LocalLambdaContext
from backend.local.queue_poller import QueuePoller
from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from tests.builders import function_url_event

PASSWORD = "correct horse 1"


# moto keeps its data per process, not per server: a stack of another stage gets its own
# table, bucket and user pool, so pollers of the session's full stack never touch our
# stream, and tests decide when cascades run (``stream.drain()``).
STAGE = "apitest"


@pytest.fixture(scope="package")
def local_stack_session() -> Iterator[LocalStack]:
    """The one full stack of this package (API, broker, pollers). Use ``local_stack``, which also
    makes it current. Stopped when the package's last test has run: its pollers must not outlive
    the tests that own them (the unit tests run after them in the same process)."""
    # Every test reaches this stack's API from 127.0.0.1, so the per-address sign-in limit
    # would count the whole session as one person; the limits have their own tests.
    generous = {"LUMI_RATE_LIMIT_AUTH_PER_MINUTE": "10000"}
    with LocalStack(with_api=True, with_mqtt=True, extra_env=generous).start() as stack:
        yield stack


@pytest.fixture
def local_stack(local_stack_session: LocalStack) -> LocalStack:
    """The package's full stack, with this process's settings pointing at it (another fixture
    may have started a stack of its own since)."""
    local_stack_session.activate()
    return local_stack_session


@pytest.fixture
def stack_env(local_stack: LocalStack) -> dict[str, str]:
    return local_stack.env()


@pytest.fixture
def api_url(local_stack: LocalStack) -> str:
    return local_stack.env()["LUMI_API_URL"]


@pytest.fixture(scope="package")
def api_stack() -> Iterator[LocalStack]:
    with LocalStack(stage=STAGE, with_api=False, with_mqtt=False, with_pollers=False).start() as stack:
        yield stack


@pytest.fixture
def stack(api_stack: LocalStack) -> LocalStack:
    """Our stack, made current again (another fixture may have started a stack since)."""
    api_stack.activate()
    return api_stack


_ips = itertools.count(1)


class Api:
    """The Lumi API as a client sees it: ``.get/.post/…(path, json=, token=) -> (status, body)``."""

    def __init__(self, source_ip: str) -> None:
        self.source_ip = source_ip
        self.last_headers: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        token: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: str | None = None,
        source_ip: str | None = None,
    ) -> tuple[int, Any]:
        from backend.api.app import handler

        event = function_url_event(
            method,
            path,
            json=json,
            token=token,
            query=query,
            headers=headers,
            body=body,
            source_ip=source_ip or self.source_ip,
        )
        response = handler(event, LocalLambdaContext(function_name="lumi-api"))
        self.last_headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        text = response.get("body") or ""
        return int(response["statusCode"]), json_or_text(text)

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return self.request("DELETE", path, **kwargs)


def json_or_text(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.fixture
def api(stack: LocalStack) -> Api:
    # Each test its own client IP, so per-IP rate limits never leak between tests.
    n = next(_ips)
    return Api(source_ip=f"10.{random.randint(0, 255)}.{n // 256 % 256}.{n % 256}")


@dataclass
class Person:
    """A registered user and their current session."""

    email: str
    username: str
    password: str
    display_name: str
    user_id: str = ""
    access_token: str = ""
    refresh_token: str = ""
    profile: dict[str, Any] = field(default_factory=dict)


Register = Callable[..., Person]
MakeCouple = Callable[[], tuple[Person, Person, str]]


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def register(api: Api) -> Register:
    def make(prefix: str = "user", display_name: str | None = None) -> Person:
        username = unique_name(prefix)
        person = Person(f"{username}@example.com", username, PASSWORD, display_name or prefix.title())
        # A fresh client IP per sign-up: different people, so no shared per-IP budget.
        status, body = api.post(
            "/auth/register",
            source_ip=f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}",
            json={
                "email": person.email,
                "password": person.password,
                "username": person.username,
                "display_name": person.display_name,
            },
        )
        assert status == 201, body
        person.user_id = body["profile"]["user_id"]
        person.access_token = body["tokens"]["access_token"]
        person.refresh_token = body["tokens"]["refresh_token"]
        person.profile = body["profile"]
        return person

    return make


@pytest.fixture
def couple(api: Api, register: Register) -> MakeCouple:
    """Two registered people, paired; returns (first, second, relationship_id)."""

    def make() -> tuple[Person, Person, str]:
        first, second = register("ana"), register("ben")
        status, request = api.post("/relationships/requests", {"to": second.username}, token=first.access_token)
        assert status == 201, request
        status, relationship = api.post(
            f"/relationships/requests/{request['request_id']}/accept", token=second.access_token
        )
        assert status == 200, relationship
        return first, second, relationship["relationship_id"]

    return make


@pytest.fixture(scope="package")
def stream_poller(api_stack: LocalStack) -> StreamPoller:
    """The real stream handler behind a poller that tests drain by hand."""
    from backend.streams.handler import handler

    assert api_stack.provisioned is not None
    return StreamPoller(api_stack.provisioned.table_stream_arn, handler)


@pytest.fixture
def stream(stack: LocalStack, stream_poller: StreamPoller) -> StreamPoller:
    return stream_poller


@pytest.fixture(scope="package")
def media_poller(api_stack: LocalStack) -> QueuePoller:
    """The real media job behind the stack's ``media`` queue, drained by hand."""
    from backend.jobs.media import handler

    assert api_stack.provisioned is not None
    return QueuePoller(api_stack.provisioned.queue_urls["media"], handler)


@pytest.fixture
def media(stack: LocalStack, media_poller: QueuePoller) -> Iterator[QueuePoller]:
    media_poller.drain()  # what earlier tests left
    yield media_poller
