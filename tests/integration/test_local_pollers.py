"""``start_pollers`` wires the emulated table stream and queues to handlers, like event
source mappings. The handlers here are this test's own, recording what they receive."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from backend.local.pollers import load_handler, start_pollers
from backend.local.stack import LocalStack

pytest.importorskip("backend.local.stream_poller", reason="the stream poller is written in parallel")

stream_records: list[dict[str, Any]] = []
queue_records: list[dict[str, Any]] = []
_lock = threading.Lock()


def stream_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with _lock:
        stream_records.extend(event["Records"])
    return {"batchItemFailures": []}


def queue_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with _lock:
        queue_records.extend(event["Records"])
    return {"batchItemFailures": []}


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def own_queue(local_stack: LocalStack) -> Iterator[str]:
    from backend.aws import client

    url = client("sqs").create_queue(QueueName=f"lumi-test-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    yield url
    client("sqs").delete_queue(QueueUrl=url)


def test_stream_and_queue_reach_their_handlers(local_stack: LocalStack, own_queue: str) -> None:
    from backend.aws import client

    # given pollers for the table's stream and for a queue of our own
    assert local_stack.provisioned is not None
    provisioned = dataclasses.replace(local_stack.provisioned, queue_urls={"notifications": own_queue})
    pollers = start_pollers(
        provisioned,
        queue_handlers={"notifications": f"{__name__}:queue_handler"},
        stream_handler=f"{__name__}:stream_handler",
    )
    try:
        # when a record is written and a message sent
        marker = uuid.uuid4().hex
        client("dynamodb").put_item(
            TableName=provisioned.table_name, Item={"pk": {"S": f"TEST#{marker}"}, "sk": {"S": "A"}}
        )
        client("sqs").send_message(QueueUrl=own_queue, MessageBody=marker)

        # then each handler sees its event
        wait_until(
            lambda: any(r["dynamodb"]["Keys"]["pk"]["S"] == f"TEST#{marker}" for r in list(stream_records)),
            what="the stream record",
        )
        wait_until(lambda: any(r["body"] == marker for r in list(queue_records)), what="the queue message")
    finally:
        for poller in pollers:
            poller.stop()

    record = next(r for r in stream_records if r["dynamodb"]["Keys"]["pk"]["S"] == f"TEST#{marker}")
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == provisioned.table_stream_arn
    assert len(pollers) == 2


def test_an_unknown_queue_is_refused_and_nothing_is_left_running(local_stack: LocalStack) -> None:
    assert local_stack.provisioned is not None
    before = {t.ident for t in threading.enumerate()}

    with pytest.raises(KeyError, match="no-such-queue"):
        start_pollers(
            local_stack.provisioned,
            queue_handlers={"no-such-queue": f"{__name__}:queue_handler"},
            stream_handler=f"{__name__}:stream_handler",
        )

    wait_until(lambda: {t.ident for t in threading.enumerate() if t.is_alive()} <= before, what="threads to end")


def test_handler_paths_are_module_colon_function() -> None:
    assert load_handler(f"{__name__}:queue_handler") is queue_handler
    with pytest.raises(ValueError):
        load_handler(f"{__name__}.queue_handler")
