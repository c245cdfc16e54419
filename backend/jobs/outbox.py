"""What the quarter-hourly aggregators send: messages to an SQS queue, ten per
``SendMessageBatch``, entries SQS refuses sent again; and people grouped by local date,
several to a message (SQS messages are the jobs' unit of cost, and the emulator's bottleneck,
while each person's delivery stays idempotent on its own)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from backend.aws import client
from backend.domain.errors import Unavailable

_SEND_ATTEMPTS = 5
BATCH = 10


class Outbox:
    """Messages to one queue, sent ten at a time; ``sent`` is called with each one SQS took."""

    def __init__(self, queue_url: str, what: str, sent: Callable[[BaseModel], None]) -> None:
        self.queue_url = queue_url
        self.what = what
        self.sent = sent
        self.ready: list[BaseModel] = []

    def add(self, message: BaseModel) -> None:
        self.ready.append(message)
        if len(self.ready) == BATCH:
            self._send()

    def flush(self) -> None:
        while self.ready:
            self._send()

    def _send(self) -> None:
        batch, self.ready = self.ready[:BATCH], self.ready[BATCH:]
        entries = {str(n): message for n, message in enumerate(batch)}
        for attempt in range(_SEND_ATTEMPTS):
            response = client("sqs").send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": entry_id, "MessageBody": m.model_dump_json(exclude_none=True)}
                    for entry_id, m in entries.items()
                ],
            )
            for taken in response.get("Successful", []):
                message = entries.pop(taken["Id"], None)
                if message is not None:
                    self.sent(message)
            if not entries:
                return
            time.sleep(0.05 * 2**attempt)
        raise Unavailable(f"SQS refused {len(entries)} {self.what} messages")


class PeopleOutbox:
    """People due on a local date, ``per_message`` to a message made by ``make(people, date)``;
    a person is added once per local date however many items name them."""

    def __init__(self, outbox: Outbox, per_message: int, make: Callable[[list[str], date], BaseModel]) -> None:
        self.outbox = outbox
        self.per_message = per_message
        self.make = make
        self.people: dict[date, list[str]] = {}
        self.seen: set[tuple[str, date]] = set()

    def add(self, person_id: str, local_date: date) -> None:
        if (person_id, local_date) in self.seen:
            return
        self.seen.add((person_id, local_date))
        waiting = self.people.setdefault(local_date, [])
        waiting.append(person_id)
        if len(waiting) == self.per_message:
            self.outbox.add(self.make(waiting, local_date))
            self.people[local_date] = []

    def flush(self) -> None:
        for local_date, waiting in self.people.items():
            if waiting:
                self.outbox.add(self.make(waiting, local_date))
        self.people = {}
        self.outbox.flush()
