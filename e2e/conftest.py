"""The e2e harness: the whole system as ``make dev`` runs it, driven by Debian's Chromium.

Ports differ from ``make dev``'s (3100 / 8100, the stack on free ports) so the suite can
run while a developer has the app open. The Reflex backend's public port 8100 is held by
:class:`~e2e.forwarder.BackendSwitch`, in front of the real backend process(es) on free
ports, so a test can move a browser between processes. On failure each page's trace,
screenshot and browser console are kept under ``test-results/``.

Every e2e request reaches the API from 127.0.0.1, so the per-IP limits on auth routes
(20 a minute by default) would throttle the suite itself; the e2e stack runs with
generous limits. The limits themselves are covered by the API's integration tests.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from backend.local.services import free_port
from e2e.forwarder import BackendSwitch
from e2e.people import DESKTOP, PASSWORD, Person
from tools.app_build import ROOT
from tools.system import LumiSystem, SystemPorts

RESULTS = ROOT / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
APP_PORT = 3100
BACKEND_PORT = 8100
GENEROUS_RATE_LIMITS = {
    "LUMI_RATE_LIMIT_AUTH_PER_MINUTE": "10000",
    "LUMI_RATE_LIMIT_REQUESTS_PER_MINUTE": "10000",
}


def chromium_executable() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(ROOT / "e2e"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def backend_switch() -> Iterator[BackendSwitch]:
    """The Reflex backend's public port, forwarding to whichever backend process a test chooses."""
    switch = BackendSwitch(BACKEND_PORT, upstream=free_port()).start()
    yield switch
    switch.stop()


@pytest.fixture(scope="session")
def lumi(backend_switch: BackendSwitch) -> Iterator[LumiSystem]:
    shutil.rmtree(RESULTS / "logs", ignore_errors=True)  # each run's logs only; ports differ every run
    stack_ports = {name: 0 for name in ("moto", "redis", "mqtt", "mqtt_ws", "api")}
    system = LumiSystem(
        ports=SystemPorts(app=APP_PORT, backend=BACKEND_PORT, first_backend=backend_switch.upstream, stack=stack_ports),
        log_dir=RESULTS / "logs",
        state_dir=ROOT / ".lumi" / "e2e",
        stack_settings=GENEROUS_RATE_LIMITS,
        inherit_settings=False,
    )
    system.start()
    yield system
    system.stop()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_person(
    request: pytest.FixtureRequest,
    lumi: LumiSystem,
    browser: Browser,
    playwright_instance: Playwright,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Person]]:
    """Make a person at their own browser context; ``installed=True`` gives them a browser profile on
    disk (Chromium only considers installing an app outside incognito, and every plain context is
    incognito), started as a browser of its own."""
    people: list[Person] = []

    def make(
        name: str = "Alex", viewport: dict[str, int] | None = None, *, installed: bool = False, touch: bool = False
    ) -> Person:
        """``touch``: a phone's browser (a touch screen without a hovering pointer, mobile viewport)."""
        suffix = uuid.uuid4().hex[:8]
        options: dict = {"base_url": lumi.app_url, "viewport": viewport or DESKTOP}
        if touch:
            options |= {"has_touch": True, "is_mobile": True}
        if installed:
            context = playwright_instance.chromium.launch_persistent_context(
                tmp_path_factory.mktemp(f"{name.lower()}-profile"),
                executable_path=chromium_executable(),
                args=CHROMIUM_ARGS,
                headless=True,
                **options,
            )
        else:
            context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.pages[0] if context.pages else context.new_page()
        person = Person(
            name=name,
            username=f"{name.lower()}{suffix}",
            email=f"{name.lower()}.{suffix}@example.com",
            password=PASSWORD,
            context=context,
            page=page,
        )
        # On the context, so tabs opened later are heard too.
        context.on("console", lambda message: person.console.append(f"{message.type}: {message.text}"))
        context.on("weberror", lambda error: person.console.append(f"pageerror: {error.error}"))
        people.append(person)
        return person

    yield make

    failed = request.node.stash.get(_FAILED, True)
    test_dir = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    for person in people:
        if failed:
            test_dir.mkdir(parents=True, exist_ok=True)
            person.context.tracing.stop(path=str(test_dir / f"{person.name}-trace.zip"))
            for index, page in enumerate(person.context.pages):
                page.screenshot(path=str(test_dir / f"{person.name}-{index}.png"), full_page=True)
            (test_dir / f"{person.name}-console.log").write_text("\n".join(person.console))
        else:
            person.context.tracing.stop()
        person.context.close()


@pytest.fixture(autouse=True)
def _e2e_expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=int(os.environ.get("LUMI_E2E_TIMEOUT_MS", "15000")))
