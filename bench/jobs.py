"""Daily affirmations benchmark: 10,000 people due in one quarter hour, through the local stack.

Run with ``flock /tmp/lumi-bench.lock python -m bench.jobs`` (``--people`` to change the
size). It starts the local stack in this process (moto, Redis, MQTT; no API server, no
stream poller) and writes the people straight to the table in the stored shape: couples
whose partners each wrote three affirmations for the other and chose a delivery time that
falls on 2026-12-06T09:00Z in one of four zones. Then it invokes the aggregator as
EventBridge would and lets queue pollers (several per queue, like concurrent Lambda
instances) run the sender and the notification sender. Figures are printed, never asserted.

Printed: wall time from the cron to the last delivery (and to the last notification
delivered by the notification sender), SQS messages used, and DynamoDB calls per delivered
person, split into the affirmation's own work (``deliver_daily`` before ``notify``) and the
notification path (``notify`` itself, then the notification sender). Calls are counted with
a botocore ``before-call`` hook, tagged by which of these phases the calling thread is in;
the mean client-side latency per operation shows where the emulator spends the time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

ZONES = (("UTC", "09:00"), ("Europe/Paris", "10:00"), ("America/New_York", "04:00"), ("Asia/Kolkata", "14:30"))
INSTANT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

_phase = threading.local()


def phase() -> str:
    return getattr(_phase, "name", "other")


def in_phase(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before = phase()
        _phase.name = name
        try:
            return fn(*args, **kwargs)
        finally:
            _phase.name = before

    return wrapped


class Calls:
    """AWS calls by (phase, service, operation), with their client-side latency."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.seconds: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._started = threading.local()

    def install(self) -> None:
        from backend.aws import client

        for service in ("dynamodb", "sqs"):
            events = client(service).meta.events
            events.register("before-call", self._before(service))
            events.register("after-call", self._after(service))

    def _before(self, service: str) -> Callable[..., None]:
        def handler(model: Any = None, **_: Any) -> None:
            with self._lock:
                self.counts[(phase(), service, model.name)] += 1
            self._started.at = time.perf_counter()

        return handler

    def _after(self, service: str) -> Callable[..., None]:
        def handler(model: Any = None, **_: Any) -> None:
            started = getattr(self._started, "at", None)
            if started is not None:
                with self._lock:
                    self.seconds[(service, model.name)].append(time.perf_counter() - started)

        return handler

    def total(self, phase_name: str, service: str) -> int:
        return sum(n for (p, s, _), n in self.counts.items() if p == phase_name and s == service)

    def by_operation(self, phase_name: str, service: str) -> dict[str, int]:
        return {op: n for (p, s, op), n in sorted(self.counts.items()) if p == phase_name and s == service}


def seed(people: int) -> None:
    """``people`` people in couples, each due at INSTANT in one of ZONES, each partner with three affirmations."""
    from backend.domain.models import UserProfile
    from backend.store import affirmations as store
    from backend.store import records
    from backend.store.affirmations import Schedule

    items: list[dict[str, Any]] = []
    schedules: list[Schedule] = []
    created = datetime(2026, 11, 1, tzinfo=UTC)
    for couple in range(people // 2):
        rel = f"benchrel{couple:06d}"
        pair = (f"bench-a-{couple:06d}", f"bench-b-{couple:06d}")
        for n, user_id in enumerate(pair):
            partner = pair[1 - n]
            items.append(
                records.profile_item(
                    UserProfile(
                        user_id, user_id, f"{user_id}@bench.example", f"Person {user_id[-6:]}", created, None, rel
                    )
                )
            )
            for k in range(3):
                items.append(store.affirmation_item(rel, partner, user_id, f"Kind word {k} for {user_id}"))
            zone, local_time = ZONES[(2 * couple + n) % len(ZONES)]
            schedules.append(Schedule(user_id, "2026-12-01", True, local_time, zone))
    store.put_many(items)
    store.put_schedules(schedules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pollers", type=int, default=4, help="queue pollers per queue (concurrent batches)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()

    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.lambda_context import LocalLambdaContext
    from backend.local.pollers import load_handler
    from backend.local.queue_poller import QueuePoller
    from backend.local.scheduler import scheduled_event
    from backend.local.stack import LocalStack
    from backend.resources import queue_shape

    stack = LocalStack(stage="benchjobs", with_api=False, with_pollers=False).start()
    pollers: list[QueuePoller] = []
    try:
        import backend.domain.affirmations as domain
        import backend.jobs.notifications as notification_sender
        from backend.jobs import affirmations as job

        started = time.perf_counter()
        seed(args.people)
        print(
            f"seeded {args.people} people ({args.people // 2} couples, 3 affirmations each) "
            f"in {time.perf_counter() - started:.1f}s"
        )

        outcomes: Counter[str] = Counter()
        last: dict[str, float] = {}
        lock = threading.Lock()
        deliver_daily = domain.deliver_daily

        resolved: set[str] = set()

        def counted_delivery(recipient_id: str, local_date: str, rng: Any = None) -> str:
            outcome = deliver_daily(recipient_id, local_date, rng)
            with lock:
                outcomes[outcome] += 1
                resolved.add(recipient_id)
                if outcome == "delivered":
                    last["delivery"] = time.perf_counter()
            return outcome

        notified: Counter[str] = Counter()
        sender_record = notification_sender.record_handler

        def counted_notification(record: Any) -> Any:
            result = sender_record(record)
            with lock:
                notified["handled"] += 1
                last["notification"] = time.perf_counter()
            return result

        domain.deliver_daily = in_phase("own", counted_delivery)  # type: ignore[assignment]
        domain._notify = in_phase("notify", domain._notify)  # type: ignore[assignment]
        notification_sender.record_handler = in_phase("notification sender", counted_notification)  # type: ignore[assignment]

        calls = Calls()
        calls.install()
        assert stack.provisioned is not None
        for queue, path in (
            ("affirmations", "backend.jobs.affirmations:handler"),
            ("notifications", "backend.jobs.notifications:handler"),
        ):
            # As the stack runs them: the queue's batch size (one message of ten people for
            # affirmations), with --pollers workers each.
            poller = QueuePoller(
                stack.provisioned.queue_urls[queue],
                load_handler(path),
                batch_size=queue_shape(queue).batch_size,
                interval=0.05,
                concurrency=args.pollers,
            )
            pollers.append(poller.start())

        cron = time.perf_counter()
        result = in_phase("aggregator", job.aggregator_handler)(
            scheduled_event("affirmations", stack.region, INSTANT), LocalLambdaContext("affirmations-aggregator")
        )
        aggregated = time.perf_counter() - cron
        deadline = cron + args.timeout
        while time.perf_counter() < deadline:
            with lock:
                done = len(resolved) >= result["enqueued"] and notified["handled"] >= outcomes["delivered"]
            if done:
                break
            time.sleep(0.2)
        ended = time.perf_counter()

        delivered = outcomes["delivered"] or 1
        print(
            f"\naggregator: {result['enqueued']} people due in {result['messages']} messages, "
            f"{result['pages']} index pages, {aggregated:.1f}s"
        )
        print(f"outcomes: {dict(outcomes)}")
        print(f"wall time cron → last delivery:      {last.get('delivery', ended) - cron:7.1f}s")
        print(
            f"wall time cron → last notification:  {last.get('notification', ended) - cron:7.1f}s"
            f"   ({notified['handled']} handled by the notification sender)"
        )
        sqs_affirmations = calls.by_operation("aggregator", "sqs").get("SendMessageBatch", 0)
        sqs_notifications = calls.by_operation("notify", "sqs").get("SendMessage", 0)
        print(
            f"SQS messages: {result['messages']} on the affirmations queue "
            f"({sqs_affirmations} SendMessageBatch calls), {sqs_notifications} on the notifications queue"
        )
        handled = sum(outcomes.values()) or 1
        own = calls.total("own", "dynamodb")
        print(
            f"own work per person handled (delivered, or found already delivered on a redelivery): "
            f"{own / handled:5.2f} DynamoDB calls"
        )
        for name in ("own", "notify", "notification sender"):
            total = calls.total(name, "dynamodb")
            print(
                f"DynamoDB calls per delivered person, {name:20s}: {total / delivered:5.2f}   "
                f"{calls.by_operation(name, 'dynamodb')}"
            )
        print(f"DynamoDB calls of the aggregator: {calls.by_operation('aggregator', 'dynamodb')}")
        print("\nmean client-side latency per operation (the emulator's time):")
        for (service, operation), samples in sorted(calls.seconds.items(), key=lambda kv: -statistics.mean(kv[1])):
            print(f"  {service:8s} {operation:22s} {1000 * statistics.mean(samples):8.1f} ms  (n={len(samples)})")
    finally:
        for poller in pollers:
            poller.stop()
        stack.stop()


if __name__ == "__main__":
    main()
