"""API cold start: what ``import backend.api.app`` costs, what it is made of, and the first requests.

Run with ``python -m bench.api_cold_start`` (``bench/api.py`` prints the same figures after
its route table, with a first signed-in request against its local stack). Every sample is a
fresh interpreter, as a Lambda cold start is; the figures are medians of wall time and of
the process's CPU time (CPU time moves less when other work shares the machine, so both are
printed with the load average). Bytecode is written once and then used, as in a Lambda asset
whose ``.pyc`` files are built in (``PYTHONDONTWRITEBYTECODE`` is dropped for the samples).
Figures are printed, never asserted: they describe this machine, not a pass mark.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 250

# Times the import, then (when an event comes on stdin) one request through the handler.
_SAMPLE = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import backend.api.app
out = {"import_wall": time.perf_counter() - wall, "import_cpu": time.process_time() - cpu}
event = sys.stdin.read()
if event:
    wall, cpu = time.perf_counter(), time.process_time()
    answer = backend.api.app.handler(json.loads(event), None)
    out.update(request_wall=time.perf_counter() - wall, request_cpu=time.process_time() - cpu,
               status=answer["statusCode"])
print(json.dumps(out))
"""


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def _run(code: str, env: dict[str, str], stdin: str = "", flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=True
    )


def samples(runs: int, event: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> list[dict]:
    """``runs`` fresh interpreters, each importing the handler (and serving ``event`` once)."""
    environment = _env(env)
    _run("import backend.api.app", environment)  # writes the bytecode the samples then use
    stdin = json.dumps(event) if event is not None else ""
    return [json.loads(_run(_SAMPLE, environment, stdin).stdout.strip().splitlines()[-1]) for _ in range(runs)]


def median_ms(rows: list[dict], field: str) -> float:
    return statistics.median(row[field] for row in rows) * 1000


def breakdown(top: int = 12) -> list[tuple[str, float]]:
    """Self time of ``import backend.api.app`` per top-level package (``-X importtime``), in ms."""
    stderr = _run("import backend.api.app", _env(), flags=("-X", "importtime")).stderr
    per_package: Counter = Counter()
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            per_package[found.group(2).split(".")[0]] += int(found.group(1))
    return [(name, us / 1000) for name, us in per_package.most_common(top)]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def report(runs: int = 7, first_request: tuple[str, dict[str, Any], dict[str, str]] | None = None) -> None:
    """Print the import figures; ``first_request`` = (label, event, env) adds a cold first request."""
    rows = samples(runs)
    print(f"\nimport backend.api.app, cold, median of {runs} fresh interpreters ({load()}):")
    print(
        f"  wall {median_ms(rows, 'import_wall'):.0f} ms, CPU {median_ms(rows, 'import_cpu'):.0f} ms "
        f"(target {TARGET_MS} ms)"
    )
    print("  self time by package (-X importtime, one run; the tool's own overhead included):")
    print("   " + ", ".join(f"{name} {ms:.0f}" for name, ms in breakdown()))
    if first_request is not None:
        label, event, env = first_request
        rows = samples(runs, event, env)
        statuses = sorted({row["status"] for row in rows})
        print(
            f"  then the first {label} (answered {statuses}): wall {median_ms(rows, 'request_wall'):.0f} ms, "
            f"CPU {median_ms(rows, 'request_cpu'):.0f} ms; import + that request, wall "
            f"{statistics.median(r['import_wall'] + r['request_wall'] for r in rows) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per figure")
    args = parser.parse_args()
    from tests.builders import function_url_event

    report(args.runs, ("request needing no backing service (unknown path)", function_url_event("GET", "/nowhere"), {}))


if __name__ == "__main__":
    main()
