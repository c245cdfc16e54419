"""The stream poller keeps Lambda's event-source semantics; the stream handler reports partial failures."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from backend.store import records, table
from backend.streams.handler import handler as stream_handler
from tests.builders import stream_event, stream_record


class ScriptedHandler:
    """Fails chosen records a chosen number of times; remembers every batch it was given."""

    def __init__(self, prefix: str, failures: dict[int, int], raise_first: bool = False) -> None:
        self.prefix = prefix
        self.failures = dict(failures)
        self.raise_first = raise_first
        self.batches: list[list[int]] = []
        self.events: list[dict[str, Any]] = []
        self.seen = threading.Event()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        mine = [r for r in event["Records"] if r["dynamodb"]["Keys"]["pk"]["S"].startswith(self.prefix)]
        if not mine:
            return {"batchItemFailures": []}
        self.events.append(event)
        self.batches.append([int(r["dynamodb"]["Keys"]["sk"]["S"]) for r in mine])
        self.seen.set()
        if self.raise_first:
            self.raise_first = False
            raise RuntimeError("the handler crashed")
        failed = []
        for record in mine:
            number = int(record["dynamodb"]["Keys"]["sk"]["S"])
            if self.failures.get(number, 0) > 0:
                self.failures[number] -= 1
                failed.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
        return {"batchItemFailures": failed}


def write(prefix: str, count: int) -> None:
    for number in range(count):
        table.put({"pk": prefix, "sk": str(number), "type": "Probe"})


def poller_for(stack: LocalStack, handler: ScriptedHandler) -> StreamPoller:
    assert stack.provisioned is not None
    return StreamPoller(stack.provisioned.table_stream_arn, handler, starting_position="LATEST")


def test_partial_failures_are_retried_from_the_first_failed_record(stack: LocalStack) -> None:
    # given record 2 fails twice and record 4 always fails
    prefix = f"PROBE#{uuid.uuid4().hex}"
    handler = ScriptedHandler(prefix, failures={2: 2, 4: 99})
    poller = poller_for(stack, handler)
    write(prefix, 5)
    # when the stream is drained
    handled = poller.drain()
    # then every retry starts at the first failure, and record 4 is given up after three tries
    assert handler.batches == [[0, 1, 2, 3, 4], [2, 3, 4], [2, 3, 4], [4], [4]]
    assert handled == 5
    assert poller.drain() == 0


def test_a_handler_that_raises_gets_the_whole_batch_again(stack: LocalStack) -> None:
    prefix = f"PROBE#{uuid.uuid4().hex}"
    handler = ScriptedHandler(prefix, failures={}, raise_first=True)
    poller = poller_for(stack, handler)
    write(prefix, 3)
    assert poller.drain() == 3
    assert handler.batches == [[0, 1, 2], [0, 1, 2]]


def test_events_are_shaped_as_lambda_delivers_them(stack: LocalStack) -> None:
    prefix = f"PROBE#{uuid.uuid4().hex}"
    handler = ScriptedHandler(prefix, failures={})
    poller = poller_for(stack, handler)
    write(prefix, 1)
    table.update({"pk": prefix, "sk": "0"}, "SET colour = :c", {":c": "red"})
    table.delete({"pk": prefix, "sk": "0"})
    poller.drain()
    records_ = [r for event in handler.events for r in event["Records"]]
    assert [r["eventName"] for r in records_] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records_:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventSourceARN"] == stack.provisioned.table_stream_arn  # type: ignore[union-attr]
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert records_[1]["dynamodb"]["NewImage"]["colour"] == {"S": "red"}
    assert records_[2]["dynamodb"]["OldImage"]["colour"] == {"S": "red"}
    assert "NewImage" not in records_[2]["dynamodb"]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records_]
    assert sequence == sorted(sequence)


def test_the_background_thread_delivers_without_drain(stack: LocalStack) -> None:
    prefix = f"PROBE#{uuid.uuid4().hex}"
    handler = ScriptedHandler(prefix, failures={})
    poller = poller_for(stack, handler).start()
    try:
        write(prefix, 1)
        assert handler.seen.wait(10), "the poller never delivered the record"
    finally:
        poller.stop()
    assert handler.batches == [[0]]


def test_the_stream_handler_reports_only_the_records_that_failed(stack: LocalStack) -> None:
    ok_remove = stream_record(
        "REMOVE",
        {"pk": "REL#gone", "sk": "RELATIONSHIP"},
        old={"pk": "REL#gone", "sk": "RELATIONSHIP", "type": records.RELATIONSHIP, "relationship_id": "gone"},
        sequence_number="1",
    )
    broken = stream_record(
        "REMOVE",
        {"pk": "REL#x", "sk": "RELATIONSHIP"},
        old={"pk": "REL#x", "sk": "RELATIONSHIP", "type": records.RELATIONSHIP},  # no relationship_id
        sequence_number="2",
    )
    unrelated = stream_record(
        "INSERT", {"pk": "X", "sk": "Y"}, new={"pk": "X", "sk": "Y", "type": "Other"}, sequence_number="3"
    )
    response = stream_handler(stream_event(ok_remove, broken, unrelated), None)
    assert response == {"batchItemFailures": [{"itemIdentifier": "2"}]}
