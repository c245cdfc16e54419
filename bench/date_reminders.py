"""Date reminders benchmark: many people reminded at one quarter hour, through the local stack.

Run with ``flock /tmp/lumi-bench.lock python -m bench.date_reminders`` (``--people`` to change
the size). It starts the local stack in this process (moto, Redis, MQTT; no API server, no
pollers) and writes couples straight to the table in the stored shape: each couple keeps
``--dates`` dates spread over the next weeks (a fifth of them today, some asking for
reminders days before, some with a time), and each person's reminder time falls on
2026-12-06T09:00Z in one of four zones. Then it invokes the aggregator as EventBridge would
and runs the sender on every message in this process, twice (the second pass is what a
redelivery costs). Figures are printed, never asserted.

Printed: the aggregator's time, index pages and messages; reminders given; DynamoDB calls per
person (the sender's own reading: profile, relationship, the dates index) and per reminder
(its record transaction, and ``notify``); the replay's calls per person.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.jobs import Calls, in_phase

ZONES = (("UTC", "09:00"), ("Europe/Paris", "10:00"), ("America/New_York", "04:00"), ("Asia/Kolkata", "14:30"))
INSTANT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HOUR_BEFORE = datetime(2026, 12, 6, 17, 30, tzinfo=UTC)  # 18:30 in Paris


def seed(people: int, dates_per_couple: int) -> None:
    from backend.domain.models import Relationship, UserProfile
    from backend.store import records
    from backend.store.affirmations import put_many
    from backend.store.date_reminders import ReminderTime, put_time
    from backend.store.dates import date_item, register_zone

    items: list[dict[str, Any]] = []
    created = datetime(2026, 11, 1, tzinfo=UTC)
    today = date(2026, 12, 6)
    for couple in range(people // 2):
        rel = f"benchrel{couple:06d}"
        pair = (f"bench-a-{couple:06d}", f"bench-b-{couple:06d}")
        items.append(records.relationship_item(Relationship(rel, pair, created)))
        for user_id in pair:
            profile = UserProfile(user_id, user_id, f"{user_id}@bench.example", f"P{user_id[-6:]}", created, None, rel)
            items.append(records.profile_item(profile))
        for k in range(dates_per_couple):
            offset = 0 if k % 5 == 0 else (k * 7) % 30
            fields = {
                "kind": "other",
                "title": f"Date {k}",
                "date": (today + timedelta(days=offset)).isoformat(),
                "time": "19:30" if k % 3 == 0 else None,
                "time_zone": "Europe/Paris" if k % 3 == 0 else None,
                "notes": None,
                "repeats": "yearly" if k % 2 else "once",
                "reminders_before": [1, 3, 7, 14] if k % 4 == 1 else [],
            }
            if fields["repeats"] == "yearly":
                fields["date"] = f"2000-{fields['date'][5:]}"
            items.append(date_item(rel, pair[0], fields))
    put_many(items)
    register_zone("Europe/Paris")
    for index in range(people):
        couple, n = divmod(index, 2)
        user_id = f"bench-{'ab'[n]}-{couple:06d}"
        zone, local_time = ZONES[index % len(ZONES)]
        put_time(ReminderTime(user_id, local_time, zone, chosen=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--dates", type=int, default=20, help="dates per couple")
    args = parser.parse_args()

    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.lambda_context import LocalLambdaContext
    from backend.local.scheduler import scheduled_event
    from backend.local.stack import LocalStack

    stack = LocalStack(stage="benchdates", with_api=False, with_pollers=False).start()
    try:
        import backend.domain.date_reminders as domain
        from backend.aws import client
        from backend.jobs import date_reminders as job
        from backend.settings import get_settings

        started = time.perf_counter()
        seed(args.people, args.dates)
        print(f"seeded {args.people} people, {args.dates} dates a couple, in {time.perf_counter() - started:.1f}s")

        domain._give = in_phase("record", domain._give)  # type: ignore[assignment]
        domain._notify = in_phase("notify", domain._notify)  # type: ignore[assignment]
        calls = Calls()
        calls.install()

        cron = time.perf_counter()
        result = in_phase("aggregator", job.aggregator_handler)(
            scheduled_event("date-reminders", stack.region, INSTANT), LocalLambdaContext("date-reminders-aggregator")
        )
        aggregated = time.perf_counter() - cron
        print(
            f"\naggregator: {result['people']} people and {result['dates']} timed dates in {result['messages']} "
            f"messages, {result['pages']} index pages, {aggregated:.1f}s"
        )

        sqs = client("sqs")
        url = get_settings().queue_url_date_reminders

        def take() -> list[str]:
            taken: list[str] = []
            while True:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not got:
                    return taken
                taken += [m["Body"] for m in got]
                entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)]
                sqs.delete_message_batch(QueueUrl=url, Entries=entries)

        bodies = take()

        def run(name: str) -> tuple[Counter[str], float]:
            outcomes: Counter[str] = Counter()
            began = time.perf_counter()
            for body in bodies:
                record = type("Record", (), {"body": body})()
                outcomes.update(in_phase(name, job.record_handler)(record))
            return outcomes, time.perf_counter() - began

        first, first_seconds = run("send")
        after_first = {name: calls.total(name, "dynamodb") for name in ("record", "notify")}
        operations = {name: calls.by_operation(name, "dynamodb") for name in ("record", "notify")}
        replay, replay_seconds = run("replay")
        replay_inner = sum(calls.total(name, "dynamodb") - after_first[name] for name in after_first)
        reminded = first["reminded"] or 1
        print(f"first pass: {dict(first)} in {first_seconds:.1f}s ({reminded / first_seconds:.1f} reminders/s)")
        print(f"replay:     {dict(replay)} in {replay_seconds:.1f}s")
        people = result["people"] or 1
        reading = calls.total("send", "dynamodb")
        print(
            f"DynamoDB calls per person, reading (profile, couple, dates 0-14 days ahead): {reading / people:5.2f}   "
            f"{calls.by_operation('send', 'dynamodb')}"
        )
        for name in ("record", "notify"):
            total = after_first[name]
            print(f"DynamoDB calls per reminder, {name:6s}: {total / reminded:5.2f}   {operations[name]}")
        print(f"reminders per person: {reminded / people:.2f}")
        replayed = calls.total("replay", "dynamodb") + replay_inner
        print(f"replay, DynamoDB calls per person (nothing sent again): {replayed / people:5.2f}")
        print(f"DynamoDB calls of the aggregator: {calls.by_operation('aggregator', 'dynamodb')}")

        # An hour before the timed dates (19:30 in Paris): the aggregator at 18:30 there.
        hour = time.perf_counter()
        timed = job.aggregate(HOUR_BEFORE)
        print(
            f"\naggregator at {HOUR_BEFORE:%H:%MZ}: {timed.dates} timed dates in {timed.messages} messages, "
            f"{timed.pages} index pages, {time.perf_counter() - hour:.1f}s"
        )
        bodies = take()
        hour_outcomes, hour_seconds = run("hour")
        print(f"hour-before pass: {dict(hour_outcomes)} in {hour_seconds:.1f}s")
        print(f"machine load (1, 5, 15 min): {os.getloadavg()}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
