"""API benchmark: per-route latency through the local adapter, AWS calls per request, cold start.

Run with ``make bench`` (or ``python -m bench.api --requests 100``). It starts the local
stack in this process, so every boto3 call the handler makes is counted here. The cold
start figures (import time, what it is made of, a first signed-in request in a fresh
interpreter) come from ``bench/api_cold_start.py``. Figures are printed, never asserted:
they describe this machine, not a pass mark.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench import api_cold_start

SERVICES = ("dynamodb", "cognito-idp", "s3")
PASSWORD = "bench-pass-1"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list; every bench reports with it."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def register_body(name: str) -> dict[str, str]:
    """A fresh account's ``POST /auth/register`` body (a random suffix keeps runs apart)."""
    suffix = uuid.uuid4().hex[:8]
    return {
        "email": f"{name.lower()}.{suffix}@bench.example",
        "password": PASSWORD,
        "username": f"{name.lower()}{suffix}",
        "display_name": name.title(),
    }


@dataclass
class RouteFigures:
    latencies_ms: list[float] = field(default_factory=list)
    calls: list[Counter] = field(default_factory=list)

    def row(self, name: str) -> str:
        p50 = statistics.median(self.latencies_ms)
        p95 = percentile(self.latencies_ms, 0.95)
        per_service = {s: statistics.mean(c[s] for c in self.calls) for s in SERVICES}
        ddb = per_service["dynamodb"]
        others = ", ".join(f"{s} {v:.1f}" for s, v in per_service.items() if s != "dynamodb" and v)
        return f"{name:<44} {p50:8.2f} {p95:8.2f} {ddb:10.1f}   {others}"


class CallCounter:
    """Counts boto3 calls per service made by this process's cached clients."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def install(self) -> None:
        from backend.aws import client

        for service in SERVICES:
            client(service).meta.events.register("before-call", self._count(service))

    def _count(self, service: str) -> Callable[..., None]:
        def handler(**_: object) -> None:
            self.counts[service] += 1

        return handler

    def take(self) -> Counter:
        out, self.counts = self.counts, Counter()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="requests per route")
    args = parser.parse_args()

    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.stack import LocalStack

    stack = LocalStack(with_mqtt=False, with_pollers=False).start()
    counter = CallCounter()
    counter.install()
    api = httpx.Client(base_url=stack.env()["LUMI_API_URL"], timeout=30)
    try:
        figures: dict[str, RouteFigures] = {}

        def timed(name: str, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            counter.take()
            started = time.perf_counter()
            response = api.request(method, path, headers=headers, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code >= 400:
                raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text}")
            route = figures.setdefault(name, RouteFigures())
            route.latencies_ms.append(elapsed)
            route.calls.append(counter.take())
            return response

        def register(name: str) -> dict:
            return timed("POST /auth/register", "POST", "/auth/register", json=register_body(name)).json()

        people = [register(f"p{i}") for i in range(args.requests)]
        a, b = people[0], people[1]
        token_a, token_b = a["tokens"]["access_token"], b["tokens"]["access_token"]

        for person in people[: args.requests]:
            timed(
                "POST /auth/login",
                "POST",
                "/auth/login",
                json={"login": person["profile"]["email"], "password": PASSWORD},
            )
            timed(
                "POST /auth/refresh", "POST", "/auth/refresh", json={"refresh_token": person["tokens"]["refresh_token"]}
            )
        for i in range(args.requests):
            timed("GET /users/me", "GET", "/users/me", token_a)
            timed("PATCH /users/me", "PATCH", "/users/me", token_a, json={"display_name": f"A {i}"})
            timed("GET /relationships/current", "GET", "/relationships/current", token_a)
            sent = timed(
                "POST /relationships/requests", "POST", "/relationships/requests", token_a,
                json={"to": b["profile"]["username"]},
            ).json()  # fmt: skip
            timed("GET /relationships/requests", "GET", "/relationships/requests", token_b)
            timed(
                "DELETE /relationships/requests/{id}",
                "DELETE",
                f"/relationships/requests/{sent['request_id']}",
                token_a,
            )

        request_id = api.post(
            "/relationships/requests",
            json={"to": b["profile"]["username"]},
            headers={"Authorization": f"Bearer {token_a}"},
        ).json()["request_id"]
        relationship = api.post(
            f"/relationships/requests/{request_id}/accept", headers={"Authorization": f"Bearer {token_b}"}
        ).json()
        rel_id = relationship["relationship_id"]
        for _ in range(args.requests):
            timed("GET /relationships/{id}", "GET", f"/relationships/{rel_id}", token_a)
            timed("PUT /relationships/{id}/anniversary", "PUT", f"/relationships/{rel_id}/anniversary", token_a,
                  json={"anniversary": "2021-06-12"})  # fmt: skip
            timed("GET /relationships/current (paired)", "GET", "/relationships/current", token_b)

        print(f"\nLumi API through the local adapter, {args.requests} requests per route (ms; calls per request)\n")
        print(f"{'route':<44} {'p50':>8} {'p95':>8} {'DynamoDB':>10}   other AWS calls")
        for name, route in figures.items():
            print(route.row(name))

        from tests.builders import function_url_event

        first = function_url_event("GET", "/users/me", token=token_a)
        api_cold_start.report(first_request=("signed-in GET /users/me", first, stack.env()))
    finally:
        api.close()
        stack.stop()


if __name__ == "__main__":
    main()
