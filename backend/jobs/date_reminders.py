"""Reminders of the couple's dates: the quarter-hourly aggregator, the sender, the QA command.

The affirmations' job path (``backend.jobs.affirmations``): EventBridge runs
:func:`aggregator_handler` every 15 minutes; for each zone in the registry (``DATEZONES``)
and each local quarter hour due at that instant (``backend.jobs.slots.due_slots``: DST and
the date line) it Queries gsi3, never scans:

* ``DATEDUE#{zone}#{HH:MM}``, every page: the people whose reminder time it is. They go,
  several to a message, on the ``date-reminders`` queue with their local date; the sender
  looks at their couple's dates 0-14 days ahead (``backend.domain.date_reminders``).
* ``DATEHOUR#{zone}#{HH:MM}`` with the prefixes of the day an hour later
  (:func:`backend.domain.date_reminders.index_prefixes`: yearly by month-day, 29 February on
  a common year's 28 February, one-off by date): the dates with a time that starts within
  the hour. One message per date occurrence; the sender reminds both partners.

:func:`handler` is the sender behind the queue (Powertools batch processing, partial-failure
reports). Each reminder is recorded once per person, date occurrence and offset, so a
replayed or redelivered message (or a second run of the aggregator) reminds nobody twice. A
message that fails three times goes to the dead-letter queue (``python -m
backend.jobs.redrive --queue date-reminders`` sends it back).

QA: ``python -m backend.jobs.date_reminders run --local 09:00 --zone Europe/Paris [--date
2026-12-06]`` (or ``--at 2026-12-06T08:00Z``) runs the aggregator for that instant against the
local stack; the running stack's poller delivers.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from backend.domain import date_reminders as reminders
from backend.domain.errors import Unavailable
from backend.jobs.affirmations import instant_of
from backend.jobs.outbox import Outbox, PeopleOutbox
from backend.jobs.slots import due_slots, floor_quarter
from backend.settings import get_settings
from backend.store import date_reminders as store

log = logging.getLogger("lumi.jobs.date_reminders")

SCHEDULE = "cron(0/15 * * * ? *)"


class PeopleDue(BaseModel):
    """These people's reminders for their local date (at their reminder time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["day"] = "day"
    recipient_ids: list[str] = Field(min_length=1, max_length=100)
    local_date: date


class HourDue(BaseModel):
    """A timed date's occurrence starts within the hour: remind both partners."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["hour"] = "hour"
    relationship_id: str
    date_id: str
    occurrence: date


ReminderMessage = TypeAdapter(Annotated[PeopleDue | HourDue, Field(discriminator="kind")])


class RemindersFailed(Exception):
    """Some reminders of a message failed: the message is retried (what was done stays done)."""


@dataclass
class AggregateResult:
    instant: datetime
    people: int = 0
    dates: int = 0  # hour-before occurrences
    messages: int = 0
    pages: int = 0
    slots: list[tuple[str, str, str]] = field(default_factory=list)  # (zone, local date, HH:MM)


# ---------------------------------------------------------------- the aggregator


def aggregate(instant: datetime, page_size: int | None = None) -> AggregateResult:
    """Enqueue everyone whose reminder time it is, and every timed date starting within the hour."""
    instant = floor_quarter(instant)
    settings = get_settings()
    size = page_size or settings.date_reminders_page_size
    result = AggregateResult(instant=instant)
    if not settings.queue_url_date_reminders:
        raise Unavailable("Date reminders cannot be sent: no queue is configured (LUMI_QUEUE_URL_DATE_REMINDERS).")

    def sent(message: BaseModel) -> None:
        result.messages += 1
        if isinstance(message, PeopleDue):
            result.people += len(message.recipient_ids)
        else:
            result.dates += 1

    outbox = Outbox(settings.queue_url_date_reminders, "date reminder", sent)
    people = PeopleOutbox(
        outbox,
        settings.date_reminders_people_per_message,
        lambda ids, local_date: PeopleDue(recipient_ids=ids, local_date=local_date),
    )
    seen_dates: set[tuple[str, date]] = set()
    for zone in store.zones():
        for slot in due_slots(instant, zone):
            result.slots.append((zone, slot.local_date.isoformat(), slot.local_time))
            token: str | None = None
            while True:
                user_ids, token = store.due_page(zone, slot.local_time, size, token)
                result.pages += 1
                for user_id in user_ids:
                    people.add(user_id, slot.local_date)
                if token is None:
                    break
            occurrence = reminders.occurrence_of_slot(slot.local_date, slot.local_time)
            timed = store.timed_dates_due(zone, slot.local_time, reminders.index_prefixes(occurrence))
            result.pages += len(reminders.index_prefixes(occurrence))
            for record in timed:
                if reminders.falls_on(record, occurrence) and (record.date_id, occurrence) not in seen_dates:
                    seen_dates.add((record.date_id, occurrence))
                    outbox.add(
                        HourDue(relationship_id=record.relationship_id, date_id=record.date_id, occurrence=occurrence)
                    )
    people.flush()
    return result


def aggregator_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The EventBridge target: ``event["time"]`` is the schedule's instant."""
    stamp = event.get("time")
    instant = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)
    result = aggregate(instant)
    log.info(
        "date reminders due at %s: %d people, %d timed dates, %d messages (%d pages)",
        result.instant,
        result.people,
        result.dates,
        result.messages,
        result.pages,
    )
    return _summary(result)


def _summary(result: AggregateResult) -> dict[str, Any]:
    return {
        "instant": result.instant.strftime("%Y-%m-%dT%H:%MZ"),
        "people": result.people,
        "dates": result.dates,
        "messages": result.messages,
        "pages": result.pages,
    }


# ---------------------------------------------------------------- the sender


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord) -> dict[str, int]:
    """Every reminder of the message; if any person failed, raise after trying them all."""
    message = ReminderMessage.validate_json(record.body)
    if isinstance(message, HourDue):
        return dict(reminders.remind_hour_before(message.relationship_id, message.date_id, message.occurrence))
    outcomes: Counter[str] = Counter()
    failed: list[str] = []
    for user_id in message.recipient_ids:
        try:
            outcomes.update(reminders.remind_person(user_id, message.local_date))
        except Exception:
            log.exception("the date reminders of %s on %s failed", user_id, message.local_date)
            failed.append(user_id)
    if failed:
        raise RemindersFailed(f"{len(failed)} of {len(message.recipient_ids)} people failed (first: {failed[0]})")
    return dict(outcomes)


# ---------------------------------------------------------------- the QA command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.jobs.date_reminders", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the aggregator for one instant against the local stack")
    run.add_argument("--at", help="the UTC instant, e.g. 2026-12-06T08:00Z")
    run.add_argument("--local", help="a local time HH:MM (with --zone)")
    run.add_argument("--zone", help="an IANA zone, e.g. Europe/Paris")
    run.add_argument("--date", help="the local date for --local (default: today there)")
    args = parser.parse_args(argv)
    try:
        instant = instant_of(args.at, args.local, args.zone, args.date)
    except ValueError as error:
        parser.error(str(error))
    result = aggregate(instant)
    summary = _summary(result) | {"slots": [f"{zone} {day} {at}" for zone, day, at in result.slots]}
    print(json.dumps(summary))
    print(f"{result.people} people and {result.dates} timed dates enqueued for {summary['instant']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["SCHEDULE", "HourDue", "PeopleDue", "aggregate", "aggregator_handler", "handler", "main"]
