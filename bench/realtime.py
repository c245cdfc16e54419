"""Realtime benchmark: how fast a change reaches the partner, and how many tabs one Reflex process serves.

Run with ``python -m bench.realtime`` (``--help`` for sample counts and ports). Five parts:

1. Presence change latency: a heartbeat that flips A's aggregate (online ↔ idle), sent to
   the API over HTTP (the local function-URL adapter), until the ``PresenceMessage``
   reaches an MQTT subscriber of the couple's presence topic (paho, service principal).
2. API action → partner: ``POST /nudges`` by A until the ``NotificationMessage`` reaches
   B's user topic while B is online: published from the request itself (no queue while B is online).
   Parts 1 and 2 run the local stack in this process, as ``bench/api.py`` does.
3. To the DOM: the whole system (``tools.system.LumiSystem``: stack, one Reflex backend
   process, the static app) with A and B signed in in Debian's Chromium. A's nudge → B's
   bell's accessible name; A's page hidden / shown / closed → B's presence badge.
4. Scale: simulated tabs (python-socketio speaking Reflex's event protocol, see
   ``bench/_reflex_client.py``) signed in on one fresh ``reflex run --env prod
   --backend-only`` process (one Granian worker), each with its live task heartbeating.
   At each step N the nudge → probe-tab delta and partner-presence → probe-tab delta latencies,
   the backend process's RSS and CPU.
5. Opening Home: a signed-in simulated tab navigates to /home; how long until the page shows
   (its on_load chain done) and until its data arrives, alone and with many tabs at once.

Figures are printed, never asserted: they describe this machine (2 cores), not a pass mark.
Everything listens on 127.0.0.1; every wait and loop has a deadline and a count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.api import PASSWORD, percentile, register_body

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".lumi" / "bench"
LOG_DIR = STATE_DIR / "logs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_RATE_LIMITS = {"LUMI_RATE_LIMITS_ENABLED": "false"}
STACK_PORTS = {name: 0 for name in ("moto", "redis", "mqtt", "mqtt_ws", "api")}


# ---------------------------------------------------------------- figures


@dataclass
class Series:
    """Latency samples of one measured path, in milliseconds."""

    name: str
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    note: str = ""

    def add(self, ms: float) -> None:
        self.samples.append(ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    def summary(self) -> str:
        if not self.samples:
            return f"{self.name.strip()}: no samples"
        return f"{self.name.strip()}: p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms"

    def row(self) -> str:
        if not self.samples:
            return f"  {self.name:<58} no samples ({self.failures} timed out)"
        lost = f"  ({self.failures} timed out)" if self.failures else ""
        return (
            f"  {self.name:<58} {len(self.samples):>4} {self.p50:9.1f} {self.p95:9.1f}"
            f" {min(self.samples):9.1f} {max(self.samples):9.1f}{lost}"
        )


def print_table(title: str, series: list[Series]) -> None:
    print(f"\n{title}")
    print(f"  {'path (ms)':<58} {'n':>4} {'p50':>9} {'p95':>9} {'min':>9} {'max':>9}")
    for item in series:
        print(item.row())
        if item.note:
            print(f"      {item.note}")


class Budget:
    """The whole run's time limit; each part asks before starting more work."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


# ---------------------------------------------------------------- the API, as a person's client


@dataclass
class Person:
    name: str
    user_id: str
    username: str
    email: str
    token: str


def _person(name: str, body: dict[str, Any]) -> Person:
    profile = body["profile"]
    return Person(name, profile["user_id"], profile["username"], profile["email"], body["tokens"]["access_token"])


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    return response


class Api:
    """Blocking calls to the Lumi API as the people of the benchmark."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, person: Person | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {person.token}"} if person else {}
        response = _ok(self.http.post(path, json=body, headers=headers))
        return response.json() if response.content else {}

    def register(self, name: str) -> Person:
        return _person(name, self._post("/auth/register", body=register_body(name)))

    def pair(self, a: Person, b: Person) -> str:
        request_id = self._post("/relationships/requests", a, {"to": b.username})["request_id"]
        return self._post(f"/relationships/requests/{request_id}/accept", b)["relationship_id"]

    def heartbeat(self, person: Person, connection_id: str, activity: str) -> dict[str, Any]:
        return self._post("/presence/heartbeat", person, {"connection_id": connection_id, "activity": activity})

    def nudge(self, person: Person) -> dict[str, Any]:
        return self._post("/nudges", person)


class AsyncApi:
    """The same calls from an asyncio loop (part 4)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, person: Person | None = None, body: dict[str, Any] | None = None) -> dict:
        headers = {"Authorization": f"Bearer {person.token}"} if person else {}
        response = _ok(await self.http.post(path, json=body, headers=headers))
        return response.json() if response.content else {}

    async def register(self, name: str) -> Person:
        return _person(name, await self._post("/auth/register", body=register_body(name)))

    async def pair(self, a: Person, b: Person) -> str:
        request_id = (await self._post("/relationships/requests", a, {"to": b.username}))["request_id"]
        return (await self._post(f"/relationships/requests/{request_id}/accept", b))["relationship_id"]

    async def heartbeat(self, person: Person, connection_id: str, activity: str) -> dict[str, Any]:
        return await self._post("/presence/heartbeat", person, {"connection_id": connection_id, "activity": activity})

    async def nudge(self, person: Person) -> dict[str, Any]:
        return await self._post("/nudges", person)

    async def partner_state(self, person: Person) -> str:
        response = _ok(await self.http.get("/presence/partner", headers={"Authorization": f"Bearer {person.token}"}))
        return str((response.json().get("presence") or {}).get("state", "none"))


# ---------------------------------------------------------------- parts 1 and 2: API → MQTT subscriber


class TopicListener:
    """An MQTT subscriber signed in as the service principal; stamps each message on arrival."""

    def __init__(self, url: str, username: str, password: str, topics: list[str]) -> None:
        from urllib.parse import urlsplit

        import paho.mqtt.client as mqtt

        parts = urlsplit(url)
        self.messages: queue.Queue[tuple[float, str, dict[str, Any]]] = queue.Queue()
        self._subscribed = queue.Queue[int]()
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"{username}-bench-{uuid.uuid4().hex[:8]}"
        )
        self._client.username_pw_set(username, password)
        self._client.on_message = lambda _c, _u, message: self.messages.put(
            (time.perf_counter(), message.topic, json.loads(message.payload))
        )
        self._client.on_subscribe = lambda _c, _u, mid, _codes, _p: self._subscribed.put(mid)
        self._client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
        self._client.loop_start()
        _, mid = self._client.subscribe([(topic, 1) for topic in topics])
        if self._subscribed.get(timeout=10) != mid:
            raise RuntimeError("the MQTT subscription was not acknowledged")

    def wait(self, match: Callable[[str, dict[str, Any]], bool], timeout: float) -> float | None:
        """perf_counter() of the first message (from now on) that matches, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, topic, body = self.messages.get(timeout=left)
            except queue.Empty:
                return None
            if match(topic, body):
                return at
        return None

    def drain(self) -> None:
        with suppress(queue.Empty):
            while True:
                self.messages.get_nowait()

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def run_stack_parts(args: argparse.Namespace, budget: Budget) -> list[Series]:
    """Parts 1 and 2 against the local stack started in this process (API, broker, pollers)."""
    saved_env = dict(os.environ)
    os.environ.update(NO_RATE_LIMITS)
    from backend.aws import reset_clients
    from backend.local.stack import LocalStack
    from backend.realtime.publisher import reset_publisher
    from backend.realtime.topics import Channel, couple_topic, user_topic
    from backend.settings import get_settings, reset_settings

    started = time.perf_counter()
    stack = LocalStack(with_api=True, with_mqtt=True, with_pollers=True).start()
    print(f"local stack (in this process) up in {time.perf_counter() - started:.1f}s", flush=True)
    api = Api(stack.env()["LUMI_API_URL"])
    listener: TopicListener | None = None
    presence = Series("1. heartbeat changes A's state → couple topic subscriber")
    presence_http = Series("   (the heartbeat's HTTP round trip alone)")
    nudge = Series("2. POST /nudges by A → NotificationMessage on B's topic")
    nudge_http = Series("   (the nudge's HTTP round trip alone: stored + queued)")
    try:
        settings = get_settings()
        a, b = api.register("Ava"), api.register("Ben")
        relationship_id = api.pair(a, b)
        presence_topic = couple_topic(settings.stage, relationship_id, Channel.PRESENCE)
        b_topic = user_topic(settings.stage, b.user_id, Channel.NOTIFICATIONS)
        listener = TopicListener(
            settings.mqtt_url,
            settings.realtime_service_user,
            settings.realtime_service_secret,
            [presence_topic, b_topic],
        )
        api.heartbeat(a, "bench-tab-a", "active")  # A online; the next beats flip idle / online
        listener.wait(lambda topic, _: topic == presence_topic, 5)

        for i in range(args.presence_samples):
            if budget.left() < args.reserve:
                presence.note = f"stopped after {i} samples: time budget"
                break
            activity = "idle" if i % 2 == 0 else "active"
            expected = "idle" if activity == "idle" else "online"
            listener.drain()
            sent = time.perf_counter()
            api.heartbeat(a, "bench-tab-a", activity)
            answered = time.perf_counter()
            arrived = listener.wait(
                lambda topic, body, state=expected: (
                    topic == presence_topic
                    and body.get("presence", {}).get("user_id") == a.user_id
                    and body["presence"].get("state") == state
                ),
                5,
            )
            presence_http.add((answered - sent) * 1000)
            if arrived is None:
                presence.failures += 1
            else:
                presence.add((arrived - sent) * 1000)

        beat_at = 0.0
        for i in range(args.nudge_samples):
            if budget.left() < args.reserve:
                nudge.note = f"stopped after {i} samples: time budget"
                break
            if time.monotonic() - beat_at > 5:  # B stays online: an open, used tab beats every 10 s
                api.heartbeat(b, "bench-tab-b", "active")
                beat_at = time.monotonic()
            listener.drain()
            sent = time.perf_counter()
            notification_id = api.nudge(a)["notification_id"]
            answered = time.perf_counter()
            arrived = listener.wait(
                lambda topic, body, nid=notification_id: (
                    topic == b_topic and body.get("notification", {}).get("notification_id") == nid
                ),
                10,
            )
            nudge_http.add((answered - sent) * 1000)
            if arrived is None:
                nudge.failures += 1
            else:
                nudge.add((arrived - sent) * 1000)
            time.sleep(random.uniform(0.05, 0.25))  # not in step with any poller's rhythm
        nudge.note = (
            "published from the request: profiles, presence check (Redis), the notification stored counted"
            " (one transaction), the count read, MQTT publish acknowledged"
        )
    finally:
        if listener is not None:
            listener.close()
        api.close()
        stack.stop()
        reset_publisher()
        os.environ.clear()
        os.environ.update(saved_env)
        reset_settings()
        reset_clients()
    return [presence, presence_http, nudge, nudge_http]


# ---------------------------------------------------------------- the whole system


def backend_processes(port: int) -> list[psutil.Process]:
    """The Reflex backend on ``port``: `reflex run` (a child of this process) and everything it started."""
    for child in psutil.Process().children():
        with suppress(psutil.Error):
            command = child.cmdline()
            if "reflex" in command and "--backend-port" in command and str(port) in command:
                return [child, *child.children(recursive=True)]
    return []


def stack_processes() -> list[psutil.Process]:
    for child in psutil.Process().children():
        with suppress(psutil.Error):
            if "backend.local" in child.cmdline():
                return [child, *child.children(recursive=True)]
    return []


class CpuMeter:
    """CPU used by some processes over a window, in % of one core; their resident memory."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.started = time.monotonic()
        self.cpu0 = self._cpu()

    def _cpu(self) -> float:
        total = 0.0
        for process in self.processes:
            with suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def percent(self) -> float:
        wall = time.monotonic() - self.started
        return 100 * (self._cpu() - self.cpu0) / wall if wall > 0 else 0.0

    def rss_mb(self) -> float:
        total = 0
        for process in self.processes:
            with suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(value for name, value in times._asdict().items() if name not in ("idle", "iowait"))


def _own_cpu() -> dict[int, float]:
    """CPU seconds of this process and everything it started (stack, Reflex, Chromium), by pid."""
    own: dict[int, float] = {}
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        with suppress(psutil.Error):
            times = process.cpu_times()
            own[process.pid] = times.user + times.system
    return own


class HostMeter:
    """CPU the rest of the machine used meanwhile (other people's tests share these cores), % of one core.

    Approximate: the machine's busy time minus this benchmark's process tree (a child that
    exited during the window is counted as "other")."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy0 = _busy_seconds()
        self.own0 = _own_cpu()

    def others_percent(self) -> float:
        wall = time.monotonic() - self.started
        own = sum(cpu - self.own0.get(pid, 0.0) for pid, cpu in _own_cpu().items())
        return max(0.0, 100 * (_busy_seconds() - self.busy0 - own) / wall) if wall > 0 else 0.0


@contextmanager
def lumi_system(args: argparse.Namespace, budget: Budget) -> Iterator[Any]:
    from tools.app_build import ensure_build
    from tools.system import LumiSystem, SystemPorts

    system = LumiSystem(
        ports=SystemPorts(app=args.app_port, backend=args.backend_port, stack=dict(STACK_PORTS)),
        log_dir=LOG_DIR,
        state_dir=STATE_DIR,
        stack_settings=dict(NO_RATE_LIMITS),
    )
    started = time.perf_counter()
    ensure_build(system.backend_url(), quiet=True)  # the bundle for this backend port, if its sources changed
    built = time.perf_counter() - started
    budget.deadline += built  # building the app is not part of the benchmark
    print(
        f"\napp bundle ready in {built:.1f}s (not counted in the time budget); starting the whole system:"
        f" stack, Reflex backend :{args.backend_port}, app :{args.app_port}",
        flush=True,
    )
    started = time.perf_counter()
    system.start()
    print(f"system up in {time.perf_counter() - started:.1f}s; logs in {LOG_DIR.relative_to(ROOT)}", flush=True)
    try:
        yield system
    finally:
        system.stop()


# ---------------------------------------------------------------- part 3: to the DOM in Chromium

RECORDER = """() => {
  // Stamps each change of the bell's and the presence badge's accessible name when the
  // DOM changes (a MutationObserver runs right after React commits), on this machine's clock.
  if (window.__lumiBench) return;
  const bench = (window.__lumiBench = { bell: [], badge: [] });
  const watched = { bell: 'header a[aria-label^="Notifications"]', badge: 'header [role="status"][aria-label]' };
  const look = () => {
    const t = performance.timeOrigin + performance.now();
    for (const [key, selector] of Object.entries(watched)) {
      const label = document.querySelector(selector)?.getAttribute("aria-label") ?? null;
      const list = bench[key];
      if (label !== null && (list.length === 0 || list[list.length - 1].label !== label)) list.push({ label, t });
    }
  };
  new MutationObserver(look).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  });
  look();
}"""

SET_VISIBILITY = """(state) => {
  // Headless Chromium keeps every page visible; this is what hiding the tab looks like to the app.
  const t = performance.timeOrigin + performance.now();
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
  if (state === "visible") window.dispatchEvent(new Event("pointermove"));  // and the person is back
  return t;
}"""

WAIT_LABEL = """([key, from, prefix]) =>
  window.__lumiBench[key].slice(from).find((e) => e.label.startsWith(prefix))?.t ?? false"""


def clock_offset(page: Any) -> tuple[float, float]:
    """(browser clock − this process's clock, round trip) in ms, from the tightest of a few probes."""
    best = (0.0, float("inf"))
    for _ in range(7):
        before = time.time() * 1000
        stamp = page.evaluate("performance.timeOrigin + performance.now()")
        after = time.time() * 1000
        if after - before < best[1]:
            best = (stamp - (before + after) / 2, after - before)
    return best


def browser_sign_in(context: Any, person: Person) -> Any:
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail or username", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hi, {person.name}", exact=True)).to_be_visible()
    return page


def run_browser_part(system: Any, args: argparse.Namespace, budget: Budget) -> list[Series]:
    from playwright.sync_api import expect, sync_playwright

    api = Api(system.stack_env["LUMI_API_URL"])
    bell = Series("3a. POST /nudges by A → B's bell name changes in the DOM")
    hidden = Series("3b. A's page hidden → B's badge says idle")
    shown = Series("3c. A's page visible again → B's badge says online")
    closed = Series("3d. A's page closed → B's badge says offline")
    opened = Series("3e. A opens /home (load, sign-in resume) → B's badge online")
    from lumi_app.state.realtime import GONE_GRACE_SECONDS

    bell.note = "A's API call → MutationObserver stamp in B's page; via MQTT, the Reflex backend, its websocket"
    hidden.note = "A's page fires visibilitychange → lumi-presence.js → Reflex event → heartbeat → MQTT → Reflex → B"
    closed.note = (
        f"by design: A's tab task waits GONE_GRACE_SECONDS ({GONE_GRACE_SECONDS:g} s) after its websocket is gone,"
        " so a reload does not flicker"
    )
    try:
        a, b = api.register("Ava"), api.register("Ben")
        api.pair(a, b)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                contexts = [browser.new_context(base_url=system.app_url, viewport={"width": 1280, "height": 800})]
                contexts.append(browser.new_context(base_url=system.app_url, viewport={"width": 1280, "height": 800}))
                for context in contexts:
                    context.set_default_timeout(20_000)
                page_a = browser_sign_in(contexts[0], a)
                page_b = browser_sign_in(contexts[1], b)
                expect(page_b.get_by_role("status", name=f"{a.name} is online")).to_be_visible()
                page_b.evaluate(RECORDER)
                offset_b, rtt_b = clock_offset(page_b)
                bell.note += (
                    f" (B's page clock {offset_b:+.1f} ms from ours, measured with a {rtt_b:.1f} ms round trip)"
                )

                def wait_b(key: str, start: int, prefix: str, timeout_s: float) -> float | None:
                    """B's browser stamp of the first new label starting with ``prefix``, on our clock (ms)."""
                    try:
                        handle = page_b.wait_for_function(
                            WAIT_LABEL, arg=[key, start, prefix], timeout=timeout_s * 1000, polling=20
                        )
                    except Exception:  # Playwright's TimeoutError
                        return None
                    return float(handle.json_value()) - offset_b

                def count(key: str) -> int:
                    return int(page_b.evaluate(f"window.__lumiBench.{key}.length"))

                unread = 0
                page_b.evaluate("window.dispatchEvent(new Event('pointermove'))")  # B is using the tab: online
                for i in range(args.browser_samples):
                    if budget.left() < args.reserve:
                        bell.note += f"; stopped after {i} samples: time budget"
                        break
                    expected = f"Notifications, {unread + 1} unread"
                    start = count("bell")
                    sent = time.time() * 1000
                    api.nudge(a)
                    seen = wait_b("bell", start, expected, 10)
                    if seen is None:
                        bell.failures += 1
                        unread = int(page_b.evaluate("window.__lumiBench.bell.at(-1)?.label.match(/\\d+/)?.[0] ?? 0"))
                    else:
                        bell.add(seen - sent)
                        unread += 1
                    time.sleep(random.uniform(0.1, 0.3))

                offset_a, _ = clock_offset(page_a)
                for i in range(args.browser_samples):
                    if budget.left() < args.reserve:
                        hidden.note += f"; stopped after {i} rounds: time budget"
                        break
                    for state, series, label in (("hidden", hidden, "is idle"), ("visible", shown, "is online")):
                        start = count("badge")
                        acted = float(page_a.evaluate(SET_VISIBILITY, state)) - offset_a
                        seen = wait_b("badge", start, f"{a.name} {label}", 10)
                        if seen is None:
                            series.failures += 1
                        else:
                            series.add(seen - acted)
                        time.sleep(random.uniform(0.1, 0.3))

                for i in range(args.close_samples):
                    if budget.left() < args.reserve:
                        closed.note += f"; stopped after {i} samples: time budget"
                        break
                    start = count("badge")
                    acted = time.time() * 1000
                    page_a.close()
                    seen = wait_b("badge", start, f"{a.name} is offline", 15)
                    if seen is None:
                        closed.failures += 1
                    else:
                        closed.add(seen - acted)
                    page_a = contexts[0].new_page()
                    start = count("badge")
                    acted = time.time() * 1000
                    page_a.goto("/home")
                    seen = wait_b("badge", start, f"{a.name} is online", 20)
                    if seen is None:
                        opened.failures += 1
                    else:
                        opened.add(seen - acted)
            finally:
                browser.close()
    finally:
        api.close()
    return [bell, hidden, shown, closed, opened]


# ---------------------------------------------------------------- part 4: one Reflex process, many tabs


@dataclass
class Step:
    tabs: int
    nudge: Series
    presence: Series
    hop: Series
    backend_cpu: float
    backend_rss: float
    stack_cpu: float
    client_cpu: float
    others_cpu: float
    join_seconds: float
    join_failures: int


async def _register_many(api: AsyncApi, count: int, parallel: int = 6) -> list[Person]:
    gate = asyncio.Semaphore(parallel)

    async def one(i: int) -> Person:
        async with gate:
            return await api.register(f"Sim{i}")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _pair_many(api: AsyncApi, people: list[Person], parallel: int = 6) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(a: Person, b: Person) -> None:
        async with gate:
            await api.pair(a, b)

    await asyncio.gather(*(one(people[i], people[i + 1]) for i in range(0, len(people) - 1, 2)))


JOIN_PARALLEL = 8
JOIN_TIMEOUT_SECONDS = 60.0


async def _scale(system: Any, args: argparse.Namespace, budget: Budget) -> tuple[list[Step], list[str]]:
    from backend.local.services import free_port
    from bench._reflex_client import LumiStates, SimulatedTab, TabError, var_key

    notes: list[str] = []
    states = LumiStates.from_app()
    port = free_port()
    started = time.perf_counter()
    system.start_backend(port)
    print(f"  fresh Reflex backend :{port} (GRANIAN_WORKERS=1) up in {time.perf_counter() - started:.1f}s", flush=True)
    backend_tree = backend_processes(port)
    if not backend_tree:
        notes.append("could not find the backend's processes: its CPU and RSS are not measured")
    backend_url = f"http://127.0.0.1:{port}"
    api = AsyncApi(system.stack_env["LUMI_API_URL"])
    steps = sorted(set(args.steps))
    live: list[SimulatedTab] = []
    everyone: list[SimulatedTab] = []
    listener: TopicListener | None = None
    results: list[Step] = []
    unread_key, presence_key = var_key("unread_count"), var_key("partner_state")
    try:
        started = time.perf_counter()
        probe_person, partner = await api.register("Probe"), await api.register("Pat")
        relationship_id = await api.pair(probe_person, partner)
        listener = _service_listener(system.stack_env, probe_person.user_id, relationship_id)
        others = await _register_many(api, max(steps) - 1 + (max(steps) - 1) % 2)  # an even number:
        await _pair_many(api, others)  # everyone has a partner, as in Lumi (the tab shows the badge)
        print(
            f"  {len(others) + 2} people registered and paired (API) in {time.perf_counter() - started:.1f}s\n",
            flush=True,
        )
        print(SCALE_HEADER, flush=True)
        await api.heartbeat(partner, "bench-tab-partner", "active")
        waiting = [probe_person, *others]  # the probe signs in first and stays
        baseline: tuple[float, float] | None = None
        gate = asyncio.Semaphore(JOIN_PARALLEL)

        async def join(person: Person) -> SimulatedTab | None:
            async with gate:
                tab = SimulatedTab(backend_url, system.app_url, states)
                everyone.append(tab)
                try:
                    await asyncio.wait_for(_sign_in(tab, person), JOIN_TIMEOUT_SECONDS)
                except (TabError, TimeoutError, OSError, ValueError) as error:
                    log_failure(f"{person.name}: {type(error).__name__}: {error}")
                    await tab.close()
                    return None
                return tab

        failures: list[str] = []

        def log_failure(text: str) -> None:
            failures.append(text)

        probe: SimulatedTab | None = None
        for target in steps:
            wanted = target - len(live)
            eta = wanted * 0.4 + args.step_samples * 0.8 + 10
            if budget.left() < eta:
                notes.append(f"N={target} and above not measured: {budget.left():.0f}s of the time budget left")
                break
            started = time.perf_counter()
            batch, waiting = waiting[:wanted], waiting[wanted:]
            failures.clear()
            joined = await asyncio.gather(*(join(person) for person in batch))
            join_seconds = time.perf_counter() - started
            live.extend(tab for tab in joined if tab is not None)
            if probe is None:
                probe = joined[0]
                if probe is None:
                    notes.append(f"the probe tab could not sign in: {failures[:1]}")
                    break
            if len(failures) > max(1, wanted // 10):
                notes.append(
                    f"N={target}: {len(failures)} of {wanted} tabs did not go live, e.g. {failures[0]}; stopped"
                )
                break
            if failures:
                notes.append(f"N={target}: {len(failures)} tab(s) did not go live, e.g. {failures[0]}")
            await asyncio.sleep(1.0)  # the joins' own presence messages settle

            nudge, presence = Series(f"N={len(live)} nudge"), Series(f"N={len(live)} presence")
            hop = Series(f"N={len(live)} MQTT → tab")
            backend, stack = CpuMeter(backend_tree), CpuMeter(stack_processes())
            client, host = CpuMeter([psutil.Process()]), HostMeter()
            lost: list[str] = []
            for _ in range(args.step_samples):
                if len(lost) >= 3:
                    break  # fallen over: do not spend the budget on more 10 s timeouts
                expected = int(probe.realtime.get(unread_key, 0)) + 1
                future = probe.expect(lambda u, n=expected: u.delta.get(states.realtime, {}).get(unread_key) == n)
                listener.drain()
                sent = time.perf_counter()
                notification_id = (await api.nudge(partner))["notification_id"]
                try:
                    arrived = (await probe.wait(future, 10, "unread count")).at
                except TabError:
                    nudge.failures += 1
                    published = await asyncio.to_thread(listener.wait, _is_notification(notification_id), 0.1)
                    lost.append(
                        f"a nudge never reached the probe tab (sent live over MQTT: {published is not None};"
                        f" the probe's presence per the API: {await api.partner_state(partner)})"
                    )
                else:
                    nudge.add((arrived - sent) * 1000)
                    await _add_hop(hop, listener, arrived, _is_notification(notification_id))
                await asyncio.sleep(random.uniform(0.05, 0.25))

                now = probe.realtime.get(presence_key)
                activity, state = ("idle", "idle") if now == "online" else ("active", "online")
                future = probe.expect(lambda u, s=state: u.delta.get(states.realtime, {}).get(presence_key) == s)
                listener.drain()
                sent = time.perf_counter()
                await api.heartbeat(partner, "bench-tab-partner", activity)
                try:
                    arrived = (await probe.wait(future, 10, "partner presence")).at
                except TabError:
                    presence.failures += 1
                    lost.append(f"the partner's change to {state} never reached the probe tab")
                else:
                    presence.add((arrived - sent) * 1000)
                    await _add_hop(hop, listener, arrived, _is_presence(partner.user_id, state))
                await asyncio.sleep(random.uniform(0.05, 0.25))

            step = Step(
                tabs=len(live),
                nudge=nudge,
                presence=presence,
                hop=hop,
                backend_cpu=backend.percent(),
                backend_rss=backend.rss_mb(),
                stack_cpu=stack.percent(),
                client_cpu=client.percent(),
                others_cpu=host.others_percent(),
                join_seconds=join_seconds,
                join_failures=len(failures),
            )
            results.append(step)
            print(_step_row(step), flush=True)
            notes.extend(f"N={len(live)}: {text}" for text in dict.fromkeys(lost))
            if len(lost) >= 3:
                notes.append(f"N={len(live)}: {len(lost)} samples lost; stopped (see the Reflex log in {LOG_DIR})")
                break
            if not (nudge.samples and presence.samples):
                notes.append(f"N={len(live)}: nothing arrived; stopped")
                break
            baseline = baseline or (nudge.p50, presence.p50)
            if nudge.p50 > 10 * baseline[0] or presence.p50 > 10 * baseline[1]:
                notes.append(f"N={len(live)}: p50 above 10x the first step's; stopped")
                break
    finally:
        await asyncio.gather(*(tab.close() for tab in everyone), return_exceptions=True)
        await api.aclose()
        if listener is not None:
            listener.close()
        system.stop_backend(port)
    return results, notes


# ---------------------------------------------------------------- part 5: opening Home


HOME_LEGEND = """
Part 5: opening Home in a signed-in simulated tab on a fresh Reflex backend process (ms, at the tab's socket).
  shown: the client-side navigation to /home (on_load_internal sent) → the root state's is_hydrated turns
  true (the page's on_load chain is done: the shell shows the page, and the tab's other events run again);
  data: → HomeState's data arrives (loaded, with the partner and latest moments). Each sample first opens
  Tags, then Home. "alone": one tab; "together": that many tabs open Home at the same moment."""


async def _home_load(system: Any, args: argparse.Namespace, budget: Budget) -> tuple[list[Series], list[str]]:
    from backend.local.services import free_port
    from bench._reflex_client import ROOT_STATE, LumiStates, SimulatedTab, TabError, var_key
    from lumi_app.pages.home import HomeState

    states_home = HomeState.get_full_name()
    notes: list[str] = []
    port = free_port()
    system.start_backend(port)
    backend_url = f"http://127.0.0.1:{port}"
    api = AsyncApi(system.stack_env["LUMI_API_URL"])
    states = LumiStates.from_app()
    tabs: list[SimulatedTab] = []
    shown_alone, data_alone = Series("5a. alone: /home shown (is_hydrated)"), Series("5b. alone: /home data")
    together = args.home_tabs
    shown_many = Series(f"5c. {together} together: /home shown")
    data_many = Series(f"5d. {together} together: /home data")
    hydrated_key, loaded_key = var_key("is_hydrated"), var_key("loaded")

    async def open_home(tab: SimulatedTab) -> tuple[float, float]:
        settled = tab.expect(lambda u: u.delta.get(ROOT_STATE, {}).get(hydrated_key) is True)
        await tab.navigate("/moments/tags")
        await tab.wait(settled, 20, "the Tags page")
        shown = tab.expect(lambda u: u.delta.get(ROOT_STATE, {}).get(hydrated_key) is True)
        data = tab.expect(lambda u: u.delta.get(states_home, {}).get(loaded_key) is True)
        sent = time.perf_counter()
        await tab.navigate("/home")
        shown_at = (await tab.wait(shown, 20, "Home shown")).at
        data_at = (await tab.wait(data, 20, "Home's data")).at
        return (shown_at - sent) * 1000, (data_at - sent) * 1000

    try:
        people = await _register_many(api, together + together % 2)
        await _pair_many(api, people)
        tabs.extend(SimulatedTab(backend_url, system.app_url, states) for _ in people)
        await asyncio.gather(*(_sign_in(tab, person) for tab, person in zip(tabs, people, strict=True)))
        probe = tabs[0]
        for _ in range(args.home_samples):
            if budget.left() < 10:
                notes.append("part 5 stopped early: the time budget ran out")
                break
            try:
                shown_ms, data_ms = await open_home(probe)
            except TabError as error:
                shown_alone.failures += 1
                notes.append(str(error))
                continue
            shown_alone.add(shown_ms)
            data_alone.add(data_ms)
        for _ in range(max(1, args.home_samples // 5)):
            if budget.left() < 15:
                break
            results = await asyncio.gather(*(open_home(tab) for tab in tabs), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    shown_many.failures += 1
                    continue
                shown_many.add(result[0])
                data_many.add(result[1])
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
        await api.aclose()
        system.stop_backend(port)
    return [shown_alone, data_alone, shown_many, data_many], notes


def _service_listener(stack_env: dict[str, str], user_id: str, relationship_id: str) -> TopicListener:
    """A subscriber next to the Reflex process: it sees each message when the Reflex process gets it."""
    from backend.realtime.topics import Channel, couple_topic, user_topic
    from backend.settings import Settings

    stage = stack_env.get("LUMI_STAGE", "local")
    user = stack_env.get("LUMI_REALTIME_SERVICE_USER") or Settings.model_fields["realtime_service_user"].default
    topics = [user_topic(stage, user_id, Channel.NOTIFICATIONS), couple_topic(stage, relationship_id, Channel.PRESENCE)]
    return TopicListener(stack_env["LUMI_MQTT_URL"], user, stack_env["LUMI_REALTIME_SERVICE_SECRET"], topics)


def _is_notification(notification_id: str) -> Callable[[str, dict[str, Any]], bool]:
    return lambda _topic, body: body.get("notification", {}).get("notification_id") == notification_id


def _is_presence(user_id: str, state: str) -> Callable[[str, dict[str, Any]], bool]:
    return lambda _topic, body: (
        body.get("presence", {}).get("user_id") == user_id and body["presence"]["state"] == state
    )


async def _add_hop(
    hop: Series, listener: TopicListener, delta_at: float, match: Callable[[str, dict[str, Any]], bool]
) -> None:
    """The Reflex process's share: the MQTT message's arrival here → the probe tab's delta."""
    broker_at = await asyncio.to_thread(listener.wait, match, 2.0)
    if broker_at is not None:
        hop.add((delta_at - broker_at) * 1000)


async def _sign_in(tab: Any, person: Person) -> None:
    await tab.log_in(person.email, PASSWORD)
    await tab.go_live()


def _step_row(step: Step) -> str:
    def pair(series: Series) -> str:
        if not series.samples:
            return f"{'—':>8} {'—':>8}"
        return f"{series.p50:8.1f} {series.p95:8.1f}"

    lost = step.nudge.failures + step.presence.failures
    return (
        f"  {step.tabs:>5} {pair(step.nudge)}   {pair(step.presence)}   {pair(step.hop)}"
        f"   {step.backend_cpu:6.1f} {step.backend_rss:8.0f}"
        f"   {step.stack_cpu:6.1f} {step.client_cpu:6.1f} {step.others_cpu:6.0f}   {step.join_seconds:6.1f}"
        + (f"  ({lost} samples timed out)" if lost else "")
    )


SCALE_HEADER = "  {:>5} {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}   {:>6} {:>8}   {:>6} {:>6} {:>6}   {:>6}".format(
    "tabs",
    "nudge50",
    "nudge95",
    "pres50",
    "pres95",
    "hop50",
    "hop95",
    "cpu%",
    "RSS MB",
    "stack%",
    "bench%",
    "other%",
    "join s",
)


def doubling(results: list[Step], pick: Callable[[Step], Series]) -> str:
    """The first N from which p50 stays at least twice the first step's (a lone spike is reported as such)."""
    measured = [(s.tabs, pick(s)) for s in results if pick(s).samples]
    if not measured:
        return "not measured"
    base_tabs, base = measured[0]
    against = f"vs {base.p50:.0f} ms at N={base_tabs}"
    doubled = [tabs for tabs, series in measured[1:] if series.p50 >= 2 * base.p50]
    last_tabs, last = measured[-1]
    if not doubled:
        return f"p50 did not double up to N={last_tabs} ({last.p50:.0f} ms {against})"
    sustained = None
    for tabs, series in reversed(measured[1:]):
        if series.p50 < 2 * base.p50:
            break
        sustained = (tabs, series)
    if sustained is None:
        spikes = ", ".join(f"N={tabs}" for tabs in doubled)
        return f"p50 reached 2x only at {spikes}, not at N={last_tabs} ({last.p50:.0f} ms {against}): noise"
    tabs, series = sustained
    return f"p50 doubled from N={tabs} on ({series.p50:.0f} ms {against})"


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="1,2,3,4,5", help="which parts to run (default %(default)s)")
    parser.add_argument("--presence-samples", type=int, default=100)
    parser.add_argument("--nudge-samples", type=int, default=60)
    parser.add_argument("--browser-samples", type=int, default=20)
    parser.add_argument("--close-samples", type=int, default=4)
    parser.add_argument("--steps", default="1,10,25,50,100,200", help="tab counts for part 4")
    parser.add_argument("--step-samples", type=int, default=15, help="nudges (and presence flips) per step")
    parser.add_argument("--home-samples", type=int, default=30, help="Home openings by one tab (part 5)")
    parser.add_argument("--home-tabs", type=int, default=20, help="tabs opening Home together (part 5)")
    parser.add_argument("--app-port", type=int, default=3370)
    parser.add_argument("--backend-port", type=int, default=8370)
    parser.add_argument("--budget", type=float, default=290, help="seconds for the whole run (default %(default)s)")
    args = parser.parse_args()
    args.steps = [int(n) for n in args.steps.split(",") if n.strip()]
    parts = {p.strip() for p in args.parts.split(",")}
    budget = Budget(args.budget)
    began = time.perf_counter()
    print(f"Lumi realtime benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)

    summary: list[str] = []
    # Seconds each part leaves for the parts after it (their rough cost on this machine).
    later = {"3": 60.0, "4": 160.0, "5": 40.0}
    if parts & {"1", "2"}:
        args.reserve = sum(cost for part, cost in later.items() if part in parts)
        host = HostMeter()
        series = run_stack_parts(args, budget)
        print_table("Parts 1-2: API over HTTP (local adapter) → MQTT subscriber (paho, service principal)", series)
        print(f"  (other processes on this machine meanwhile: ≈{host.others_percent():.0f}% of one core)")
        summary += [item.summary() for item in (series[0], series[2])]

    if parts & {"3", "4", "5"}:
        with lumi_system(args, budget) as system:
            if "3" in parts:
                args.reserve = sum(later[p] for p in ("4", "5") if p in parts) or 5.0
                host = HostMeter()
                series = run_browser_part(system, args, budget)
                print_table("Part 3: the whole system in Chromium, stamped in the pages (this machine's clock)", series)
                print(f"  (other processes on this machine meanwhile: ≈{host.others_percent():.0f}% of one core)")
                summary += [item.summary() for item in series]
                system.stop_backend(args.backend_port)  # part 4 measures a process of its own
            if "4" in parts:
                print(PART4_LEGEND, flush=True)
                results, notes = asyncio.run(_scale(system, args, budget))
                for note in notes:
                    print(f"  note: {note}")
                summary.append(f"4. nudge → probe tab: {doubling(results, lambda s: s.nudge)}")
                summary.append(f"4. partner presence → probe tab: {doubling(results, lambda s: s.presence)}")
                summary.append(f"4. MQTT → probe tab (the Reflex process alone): {doubling(results, lambda s: s.hop)}")
                if results:
                    last = results[-1]
                    summary.append(
                        f"4. at N={last.tabs} tabs the Reflex process used {last.backend_cpu:.0f}% of a core"
                        f" and {last.backend_rss:.0f} MB"
                    )
            if "5" in parts:
                print(HOME_LEGEND, flush=True)
                host = HostMeter()
                series, notes = asyncio.run(_home_load(system, args, budget))
                print_table("Part 5: opening Home", series)
                print(f"  (other processes on this machine meanwhile: ≈{host.others_percent():.0f}% of one core)")
                for note in dict.fromkeys(notes):
                    print(f"  note: {note}")
                summary += [item.summary() for item in series]

    print("\nSummary")
    for line in summary:
        print(f"  {line}")
    print(f"  whole run: {time.perf_counter() - began:.0f}s")


PART4_LEGEND = """
Part 4: simulated tabs on one Reflex backend process; latency at a probe tab's socket (ms).
  nudge: POST /nudges by the probe's partner → the probe's unread-count delta (published from the request);
  pres: the partner's heartbeat flips online/idle → the probe's partner_state delta.
  hop: the Reflex process's share of both: the MQTT message reaching a subscriber in this process
  (as it reaches the Reflex process's) → the probe's delta (mailbox, live task, state lock, websocket).
  cpu% / RSS: that Reflex process (reflex run + Granian worker); stack%: the local stack process;
  bench%: this process (every tab's socket); other%: the rest of the machine (≈); all CPU in % of
  one core over the sampling window. join s: signing the step's new tabs in (login event, /home, live).
  Every tab's live task beats through the API every 10 s; the local API runs one request at a time."""


if __name__ == "__main__":
    main()
