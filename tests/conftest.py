"""Root fixtures. Everything that needs sockets is imported inside a fixture, so a unit-only
run (``pytest tests/unit``) never loads, let alone starts, the local stack.

Integration tests (``tests/integration``) share one stack per session: moto, Redis, the
MQTT broker, the API behind the HTTP adapter and the pollers, all on free ports of
127.0.0.1. Nothing is reached beyond 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import socket
import warnings
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from backend.local.stack import LocalStack


_INTEGRATION = Path(__file__).parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: runs against the local stack (every test under tests/integration)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _stream_pipeline_present() -> bool:
    """The stream poller and handlers are written in parallel with the stack; until both
    modules exist the session stack runs without pollers (and says so)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("backend.local.stream_poller", "backend.streams.handler")
    )


@pytest.fixture(scope="session")
def local_stack_session() -> Iterator[LocalStack]:
    """The one full stack of the session. Use ``local_stack``, which also makes it current."""
    from backend.local.stack import LocalStack

    with_pollers = _stream_pipeline_present()
    if not with_pollers:
        warnings.warn("backend.local.stream_poller or backend.streams.handler is missing: no pollers", stacklevel=1)
    # Every test reaches this stack's API from 127.0.0.1, so the per-address sign-in limit
    # would count the whole session as one person; the limits have their own tests.
    stack = LocalStack(
        with_api=True,
        with_mqtt=True,
        with_pollers=with_pollers,
        extra_env={"LUMI_RATE_LIMIT_AUTH_PER_MINUTE": "10000"},
    ).start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def local_stack(local_stack_session: LocalStack) -> LocalStack:
    """The session stack, with this process's settings pointing at it (another fixture may
    have started a stack of its own since)."""
    local_stack_session.activate()
    return local_stack_session


@pytest.fixture
def stack_env(local_stack: LocalStack) -> dict[str, str]:
    return local_stack.env()


@pytest.fixture
def api_url(local_stack: LocalStack) -> str:
    return local_stack.env()["LUMI_API_URL"]


@pytest.fixture(scope="session")
def outside_address() -> str | None:
    """An address of this machine that is not loopback (to prove servers are not reachable
    on it), or None when the machine has none. No packet leaves: a UDP connect only picks
    the interface."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address
