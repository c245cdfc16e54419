"""The e2e harness: Debian's Chromium driving the whole system as ``make dev`` runs it, or any
deployment given by ``--base-url`` (see e2e/README.md).

Without ``--base-url`` the suite starts its own system. Ports differ from ``make dev``'s
(3100 / 8100, the stack on free ports) so the suite can run while a developer has the app
open. The Reflex backend's public port 8100 is held by :class:`~e2e.forwarder.BackendSwitch`,
in front of the real backend process(es) on free ports, so a test can move a browser between
processes. Every e2e request reaches the API from 127.0.0.1, so this system runs with
generous auth limits (the limits themselves are covered by the API's integration tests).

With ``--base-url`` nothing is started: the tests drive that app. What only the suite's own
system has (the ``lumi`` system, the ``backend_switch``, storing things straight into the
table) skips the test that asks for it, and tests marked ``local_only(reason=…)`` are skipped
with their reason. Auth attempts are paced to the deployment's limit
(``LUMI_E2E_AUTH_PER_MINUTE``, see :mod:`e2e.accounts`).

Every person a test signs up is deleted through the app when the test ends, failed or not.
On failure each page's trace, screenshot and browser console are kept under
``test-results/<test>/`` and their paths printed with the failure.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from backend.local.services import free_port
from e2e import seed
from e2e.accounts import ACCOUNTS_ENV, account_pool, auth_pacer, auth_per_minute_for_deployment
from e2e.forwarder import BackendSwitch
from e2e.moments_pages import UploadPage
from e2e.pages import delete_accounts, log_out_wherever
from e2e.people import DESKTOP, PASSWORD, Person
from e2e.ports import APP_PORT, BACKEND_PORT
from tests.media import make_video
from tools.app_build import ROOT
from tools.system import LumiSystem, SystemPorts

log = logging.getLogger("e2e")

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
GENEROUS_RATE_LIMITS = {
    "LUMI_RATE_LIMIT_AUTH_PER_MINUTE": "10000",
    "LUMI_RATE_LIMIT_REQUESTS_PER_MINUTE": "10000",
}
# New accounts at this domain confirm their e-mail with the code, as in AWS; everyone else is
# confirmed at once, so one system serves both (``e2e/test_sign_up_confirmation.py``).
SIGN_UP_CODE_DOMAIN = "code.example.com"
STACK_SETTINGS = {**GENEROUS_RATE_LIMITS, "LUMI_LOCAL_SIGN_UP_CODE_DOMAINS": SIGN_UP_CODE_DOMAIN}


def chromium_executable() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--base-url",
        default=None,
        help="drive the Lumi app at this URL (say https://staging.example.com) instead of starting the "
        "suite's own system; tests marked local_only are skipped (see e2e/README.md)",
    )


def base_url(config: pytest.Config) -> str | None:
    """The deployment the suite drives, or None when it starts its own system."""
    value = config.getoption("base_url", default=None)
    return value.rstrip("/") if value else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deployment = base_url(config)
    pooled = bool(os.environ.get(ACCOUNTS_ENV))
    for item in items:
        if not Path(str(item.fspath)).is_relative_to(ROOT / "e2e"):
            continue
        item.add_marker(pytest.mark.e2e)
        if deployment and (marker := item.get_closest_marker("local_only")):
            item.add_marker(pytest.mark.skip(reason=f"local only: {_reason(marker)}"))
        if pooled and (marker := item.get_closest_marker("signs_up")):
            reason = f"signs up by itself, and {ACCOUNTS_ENV} is set: {_reason(marker)}"
            item.add_marker(pytest.mark.skip(reason=reason))


def _reason(marker: pytest.Mark) -> str:
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    if not reason:
        raise pytest.UsageError(f"@pytest.mark.{marker.name} needs a reason: say what the test needs")
    return str(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
        item.stash[_CALL_REPORT] = report
    return report


_FAILED = pytest.StashKey[bool]()
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
# (test id, artifact paths) of failed tests, and people that could not be cleaned up: printed at the end.
_ARTIFACTS = pytest.StashKey[list[tuple[str, list[Path]]]]()
_LEFT_BEHIND = pytest.StashKey[list[str]]()
_CLEANED = pytest.StashKey[dict[str, int]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ARTIFACTS] = []
    config.stash[_LEFT_BEHIND] = []
    config.stash[_CLEANED] = {"deleted": 0, "logged out": 0}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    cleaned, left_behind = config.stash.get(_CLEANED, {}), config.stash.get(_LEFT_BEHIND, [])
    if not any(cleaned.values()) and not left_behind:
        return
    terminalreporter.section("e2e")
    target = base_url(config) or "the suite's own system"
    terminalreporter.write_line(
        f"people against {target}: {cleaned['deleted']} signed up and deleted, "
        f"{cleaned['logged out']} from the account pool logged out"
    )
    if auth_pacer.enabled:
        terminalreporter.write_line(
            f"auth attempts paced to {auth_pacer.per_minute} a minute: waited {auth_pacer.waited:.0f}s in all, "
            f"sign-ups the deployment refused all the same: {auth_pacer.refused}"
        )
    for line in left_behind:
        terminalreporter.write_line(f"LEFT BEHIND: {line}", red=True)
    for test_id, paths in config.stash.get(_ARTIFACTS, []):
        terminalreporter.write_line(f"artifacts of {test_id}:")
        for path in paths:
            terminalreporter.write_line(f"  {path}")


@pytest.fixture(scope="session", autouse=True)
def _people_and_pacing(request: pytest.FixtureRequest) -> None:
    """Pace auth attempts to a deployment's limit (the suite's own system has generous ones), and
    take people from the account pool when ``LUMI_E2E_ACCOUNTS`` names one."""
    auth_pacer.configure(auth_per_minute_for_deployment() if base_url(request.config) else 0)
    if path := os.environ.get(ACCOUNTS_ENV):
        account_pool.load(path)


def _local_system_only(request: pytest.FixtureRequest, what: str) -> None:
    if deployment := base_url(request.config):
        pytest.skip(f"needs {what}, which only the suite's own system has (running against {deployment})")


@pytest.fixture(scope="session")
def backend_switch(request: pytest.FixtureRequest) -> Iterator[BackendSwitch]:
    """The Reflex backend's public port, forwarding to whichever backend process a test chooses."""
    _local_system_only(request, "the switch in front of the Reflex backend processes")
    switch = BackendSwitch(BACKEND_PORT, upstream=free_port()).start()
    yield switch
    switch.stop()


@pytest.fixture(scope="session")
def lumi(request: pytest.FixtureRequest) -> Iterator[LumiSystem]:
    """The suite's own system, started once for the run (a test asking for it is skipped against a deployment)."""
    _local_system_only(request, "the system's processes and settings")
    backend_switch = request.getfixturevalue("backend_switch")
    shutil.rmtree(RESULTS / "logs", ignore_errors=True)  # each run's logs only; ports differ every run
    stack_ports = {name: 0 for name in ("moto", "redis", "mqtt", "mqtt_ws", "api")}
    system = LumiSystem(
        ports=SystemPorts(app=APP_PORT, backend=BACKEND_PORT, first_backend=backend_switch.upstream, stack=stack_ports),
        log_dir=RESULTS / "logs",
        state_dir=ROOT / ".lumi" / "e2e",
        stack_settings=STACK_SETTINGS,
        inherit_settings=False,
    )
    system.start()
    yield system
    system.stop()


@pytest.fixture(scope="session")
def app_url(request: pytest.FixtureRequest) -> str:
    """Where the app is: the deployment given by ``--base-url``, else the suite's own system."""
    return base_url(request.config) or request.getfixturevalue("lumi").app_url


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
    app_url: str,
    browser: Browser,
    playwright_instance: Playwright,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Person]]:
    """Make a person at their own browser context; ``installed=True`` gives them a browser profile on
    disk (Chromium only considers installing an app outside incognito, and every plain context is
    incognito), started as a browser of its own.

    When the test ends, failed or not, each person it signed up is deleted through the app
    (Settings → Security), and one played by a pool account is logged out; a failure's trace,
    screenshots and console are kept first, and their paths printed."""
    people: list[Person] = []

    def make(
        name: str = "Alex", viewport: dict[str, int] | None = None, *, installed: bool = False, touch: bool = False
    ) -> Person:
        """``touch``: a phone's browser (a touch screen without a hovering pointer, mobile viewport)."""
        suffix = uuid.uuid4().hex[:8]
        options: dict = {"base_url": app_url, "viewport": viewport or DESKTOP}
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
    kept: list[Path] = []
    for person in people:  # before cleaning up: the trace and screenshots show the failure
        if failed:
            kept += _keep_artifacts(person, test_dir)
        else:
            person.context.tracing.stop()
    if kept:
        _report_artifacts(request.node, kept)
    _clean_up(request.config, people)
    for person in people:
        person.context.close()


def _keep_artifacts(person: Person, test_dir: Path) -> list[Path]:
    test_dir.mkdir(parents=True, exist_ok=True)
    trace = test_dir / f"{person.name}-trace.zip"
    person.context.tracing.stop(path=str(trace))
    kept = [trace]
    for index, page in enumerate(person.context.pages):
        screenshot = test_dir / f"{person.name}-{index}.png"
        try:
            page.screenshot(path=str(screenshot), full_page=True)
            kept.append(screenshot)
        except Exception as error:  # a page that hangs still leaves its trace and console
            log.warning("no screenshot of %s's page %d: %s", person.name, index, error)
    console = test_dir / f"{person.name}-console.log"
    console.write_text("\n".join(person.console))
    return [*kept, console]


def _report_artifacts(item: pytest.Item, paths: list[Path]) -> None:
    """Print where a failure's artifacts are: under the failure itself, and in the run's summary."""
    shown = [str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path) for path in paths]
    text = "\n".join([*shown, "(open a trace with: python -m playwright show-trace <trace.zip>)"])
    report = item.stash.get(_CALL_REPORT, None)
    if report is not None:
        report.sections.append(("e2e artifacts: trace, screenshots, console", text))
    item.config.stash[_ARTIFACTS].append((item.nodeid, [Path(path) for path in shown]))


def _clean_up(config: pytest.Config, people: list[Person]) -> None:
    """Delete the accounts the test signed up, through the app (log pool accounts out); best effort:
    who could not be cleaned up is logged and listed at the end of the run."""
    failed: list[tuple[Person, Exception]] = []
    signed_up = [person for person in people if person.has_account and not person.from_pool]
    failed += delete_accounts(signed_up)
    config.stash[_CLEANED]["deleted"] += len(signed_up) - len(failed)
    for person in (person for person in people if person.has_account and person.from_pool):
        try:
            log_out_wherever(person)
            config.stash[_CLEANED]["logged out"] += 1
        except Exception as error:
            failed.append((person, error))
    for person, error in failed:
        what = "logged out" if person.from_pool else "deleted"
        line = f"{person.name} ({person.email}) could not be {what}: {_first_lines(str(error))}"
        log.warning(line)
        config.stash[_LEFT_BEHIND].append(line)


def _first_lines(message: str, count: int = 6) -> str:
    return " | ".join(line.strip() for line in message.splitlines()[:count] if line.strip())


@pytest.fixture
def add_moments(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Person, Sequence[str]], None]:
    """``add_moments(owner, titles)`` puts a moment of ``owner``'s couple in place per title, the last
    one newest, for a test whose subject is something else (the feed, search, Home).

    On the suite's own system they are stored straight into its table (quick, nothing
    announced); against a deployment the owner shares each one through the app, so the
    partner is notified of each."""
    if base_url(request.config) is None:
        lumi = request.getfixturevalue("lumi")
        return lambda owner, titles: seed.add_moments(lumi, owner, list(titles))
    video = make_video(tmp_path / "moment.webm", seconds=2, fmt="webm")

    def share(owner: Person, titles: Sequence[str]) -> None:
        for title in titles:
            UploadPage(owner.live_page).open().upload(video, title)

    return share


@pytest.fixture(autouse=True)
def _e2e_expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=int(os.environ.get("LUMI_E2E_TIMEOUT_MS", "15000")))
