"""Root fixtures. Everything that needs sockets is imported inside a fixture, so a unit-only
run (``pytest tests/unit``) never loads, let alone starts, the local stack.

Integration tests (``tests/integration``, a package) share its stacks, started by its own
conftest and stopped when its last test has run. Nothing is reached beyond 127.0.0.1.
"""

from __future__ import annotations

import socket
from contextlib import closing
from pathlib import Path

import pytest

_INTEGRATION = Path(__file__).parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: runs against the local stack (every test under tests/integration)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.integration)


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
