"""The daily affirmations: the quarter-hourly aggregator, the sender, and the QA command.

EventBridge runs :func:`aggregator_handler` every 15 minutes (``cron(0/15 * * * ? *)``, the
local scheduler the same). For each zone anyone ever chose (one registry item) it works out
the local quarter hours due at that instant (``backend.jobs.slots``: DST and the date line),
Queries the due index (gsi3, ``AFFDUE#{zone}#{HH:MM}``) page after page with a ``Limit``,
keeps the schedule items in force on that local date, and enqueues the people due on the
``affirmations`` queue, up to 10 people a message, ten messages per ``SendMessageBatch``.
Never a Scan: the cost follows the people due, plus one Query per zone and due slot.

:func:`handler` is the sender behind that queue (Powertools batch processing with
partial-failure reports): each message is a local date and its people, each handled by
``backend.domain.affirmations.deliver_daily``, whose transaction records the delivery once
per person and local date; a replayed or redelivered message finds it there and does
nothing. A message that fails three times goes to the dead-letter queue
(``python -m backend.jobs.redrive --queue affirmations`` sends it back).

QA: ``python -m backend.jobs.affirmations run --at 2026-12-06T09:00Z`` (or ``--local 09:00
--zone Europe/Paris [--date 2026-12-06]``) runs the aggregator for that instant against the
local stack the environment (or ``.lumi/stack.env``) points at; the running stack's poller
delivers.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict, Field

from backend.domain import affirmations
from backend.domain.errors import Unavailable
from backend.jobs.outbox import Outbox, PeopleOutbox
from backend.jobs.slots import due_slots, floor_quarter
from backend.settings import get_settings
from backend.store import affirmations as store

log = logging.getLogger("lumi.jobs.affirmations")

SCHEDULE = "cron(0/15 * * * ? *)"


class AffirmationDue(BaseModel):
    """A message on the ``affirmations`` queue: these people's daily affirmation for this local date.

    Several people share a message (``Settings.affirmations_people_per_message``): SQS
    messages are the job's unit of cost (and the emulator's bottleneck), while each person's
    delivery stays idempotent on its own, so a retried message redoes only what failed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    recipient_ids: list[str] = Field(default_factory=list, max_length=100)
    recipient_id: str | None = Field(default=None, description="One person (the same as a list of one).")
    local_date: date
    kind: Literal["daily"] = "daily"

    @property
    def people(self) -> list[str]:
        return [*self.recipient_ids, *([self.recipient_id] if self.recipient_id else [])]


class DeliveriesFailed(Exception):
    """Some people of a message could not be delivered to: the message is retried (the rest are done)."""


@dataclass
class AggregateResult:
    instant: datetime
    enqueued: int = 0  # people
    messages: int = 0
    pages: int = 0
    queries: int = 0
    slots: list[tuple[str, str, str]] = field(default_factory=list)  # (zone, local date, HH:MM)


# ---------------------------------------------------------------- the aggregator


def aggregate(instant: datetime, page_size: int | None = None) -> AggregateResult:
    """Enqueue everyone due at the quarter hour of ``instant``; every page of every due slot."""
    instant = floor_quarter(instant)
    size = page_size or get_settings().affirmations_page_size
    result = AggregateResult(instant=instant)
    outbox = _outbox(result)
    for zone in store.zones():
        for slot in due_slots(instant, zone):
            local_date = slot.local_date.isoformat()
            result.slots.append((zone, local_date, slot.local_time))
            token: str | None = None
            while True:
                schedules, token = store.due_page(zone, slot.local_time, size, token)
                result.pages += 1
                result.queries += 1
                for schedule in schedules:
                    if affirmations.in_force(schedule, local_date):
                        outbox.add(schedule.user_id, slot.local_date)
                if token is None:
                    break
    outbox.flush()
    return result


def _outbox(result: AggregateResult) -> PeopleOutbox:
    settings = get_settings()
    if not settings.queue_url_affirmations:
        raise Unavailable("Affirmations cannot be sent: no queue is configured (LUMI_QUEUE_URL_AFFIRMATIONS).")

    def sent(message: BaseModel) -> None:
        result.messages += 1
        result.enqueued += len(message.people)  # type: ignore[attr-defined]

    return PeopleOutbox(
        Outbox(settings.queue_url_affirmations, "affirmation", sent),
        settings.affirmations_people_per_message,
        lambda people, local_date: AffirmationDue(recipient_ids=people, local_date=local_date),
    )


def aggregator_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The EventBridge target: ``event["time"]`` is the schedule's instant."""
    stamp = event.get("time")
    instant = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)
    result = aggregate(instant)
    log.info(
        "affirmations due at %s: %d people in %d messages (%d pages)",
        result.instant,
        result.enqueued,
        result.messages,
        result.pages,
    )
    return {
        "instant": result.instant.isoformat(),
        "enqueued": result.enqueued,
        "messages": result.messages,
        "pages": result.pages,
    }


# ---------------------------------------------------------------- the sender


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A processor per batch: the local stack (like Lambda) may run several batches at once.
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> dict[str, int]:
    """Deliver to every person of the message; if any failed, raise after trying them all."""
    due = AffirmationDue.model_validate_json(record.body)
    outcomes: Counter[str] = Counter()
    failed: list[str] = []
    for recipient_id in due.people:
        try:
            outcomes[affirmations.deliver_daily(recipient_id, due.local_date.isoformat())] += 1
        except Exception:
            log.exception("the affirmation for %s on %s failed", recipient_id, due.local_date)
            failed.append(recipient_id)
    if failed:
        raise DeliveriesFailed(f"{len(failed)} of {len(due.people)} deliveries failed (first: {failed[0]})")
    return dict(outcomes)


# ---------------------------------------------------------------- the QA command


def instant_of(at: str | None, local: str | None, zone: str | None, on: str | None) -> datetime:
    """``--at`` (UTC, ``Z`` or an offset) or ``--local HH:MM --zone NAME [--date YYYY-MM-DD]``."""
    if at:
        parsed = datetime.fromisoformat(at.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not (local and zone):
        raise ValueError("give --at, or --local with --zone")
    tz = ZoneInfo(zone)
    day = date.fromisoformat(on) if on else datetime.now(tz).date()
    wall = datetime.combine(day, clock_time.fromisoformat(local), tzinfo=tz)
    # A wall time that does not exist (spring forward) runs at the first valid time after it.
    round_trip = wall.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != wall.replace(tzinfo=None):
        return floor_quarter(wall.replace(fold=1).astimezone(UTC))
    return wall.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.jobs.affirmations", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the aggregator for one instant against the local stack")
    run.add_argument("--at", help="the UTC instant, e.g. 2026-12-06T09:00Z")
    run.add_argument("--local", help="a local time HH:MM (with --zone)")
    run.add_argument("--zone", help="an IANA zone, e.g. Europe/Paris")
    run.add_argument("--date", help="the local date for --local (default: today there)")
    args = parser.parse_args(argv)
    try:
        instant = instant_of(args.at, args.local, args.zone, args.date)
    except ValueError as error:
        parser.error(str(error))
    result = aggregate(instant)
    print(
        json.dumps(
            {
                "instant": result.instant.strftime("%Y-%m-%dT%H:%MZ"),
                "enqueued": result.enqueued,
                "messages": result.messages,
                "pages": result.pages,
                "slots": [f"{zone} {day} {at}" for zone, day, at in result.slots],
            }
        )
    )
    print(f"{result.enqueued} enqueued for {result.instant:%Y-%m-%dT%H:%MZ}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["SCHEDULE", "AffirmationDue", "AggregateResult", "aggregate", "aggregator_handler", "handler", "main"]
