"""The SQS poller against the emulated queues, with a Powertools batch handler.

Each test makes its own queue pair shaped like the provisioned ones (same redrive policy),
so a queue handler registered in the stack later can never steal these messages.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backend.local.queue_poller import QueuePoller
from backend.local.stack import LocalStack
from backend.resources import RESOURCES


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


class QueuePair:
    def __init__(self, sqs: Any, main_url: str, dlq_url: str) -> None:
        self.sqs, self.url, self.dlq_url = sqs, main_url, dlq_url

    def count(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])


@pytest.fixture
def queue(local_stack: LocalStack) -> Iterator[QueuePair]:
    from backend.aws import client

    sqs = client("sqs")
    shape = RESOURCES.queues[0]
    name = f"lumi-test-{uuid.uuid4().hex[:10]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(shape.visibility_timeout_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(shape.max_receive_count)}
            ),
        },
    )["QueueUrl"]
    yield QueuePair(sqs, url, dlq_url)
    sqs.delete_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=dlq_url)


def batch_handler(on_record: Callable[[SQSRecord], None]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A queue Lambda as the jobs will be written: Powertools batch processing, partial failures."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return process_partial_response(event=event, record_handler=on_record, processor=processor, context=context)

    return handler


def test_provisioned_queues_redrive_to_their_dlq_after_three_receives(local_stack: LocalStack) -> None:
    from backend.aws import client

    assert local_stack.provisioned is not None
    sqs = client("sqs")
    for name, url in local_stack.provisioned.queue_urls.items():
        dlq_url = local_stack.provisioned.dead_letter_queue_urls[name]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.loads(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
        )
        assert policy["deadLetterTargetArn"] == dlq_arn
        assert int(policy["maxReceiveCount"]) == 3


def test_a_message_failing_every_time_ends_in_the_dlq_and_the_rest_run_once(queue: QueuePair) -> None:
    # given
    handled: Counter[str] = Counter()
    lock = threading.Lock()

    def on_record(record: SQSRecord) -> None:
        with lock:
            handled[record.body] += 1
        if record.body == "poison":
            raise ValueError("this one never works")

    bodies = ["one", "two", "poison", "three", "four"]
    for body in bodies:
        queue.sqs.send_message(QueueUrl=queue.url, MessageBody=body)
    poller = QueuePoller(queue.url, batch_handler(on_record), interval=0.05)

    # when
    poller.start()
    try:
        wait_until(lambda: queue.count(queue.dlq_url) == 1, what="the poison message to reach the DLQ")
        wait_until(lambda: queue.count(queue.url) == 0, what="the queue to empty")
    finally:
        poller.stop()

    # then
    assert handled == {"one": 1, "two": 1, "three": 1, "four": 1, "poison": 3}
    (dead,) = queue.dead_letters()
    assert dead["Body"] == "poison"
    assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= 3


def test_the_event_is_shaped_as_lambda_delivers_it(queue: QueuePair) -> None:
    # given
    events: list[dict[str, Any]] = []
    queue.sqs.send_message(
        QueueUrl=queue.url,
        MessageBody='{"kind": "affirmation"}',
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "affirmation"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    poller = QueuePoller(queue.url, lambda event, context: events.append(event) or {"batchItemFailures": []})

    # when
    assert poller.drain(timeout=10) == 1

    # then
    (record,) = events[0]["Records"]
    attributes = queue.sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])["Attributes"]
    queue_arn = attributes["QueueArn"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn
    assert record["awsRegion"] == "us-east-1"
    assert record["body"] == '{"kind": "affirmation"}'
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    assert record["messageId"] and record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "affirmation",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    parsed = SQSRecord(record)
    assert parsed.json_body == {"kind": "affirmation"}
    assert queue.count(queue.url) == 0


def test_a_handler_that_raises_fails_the_whole_batch_which_is_retried(queue: QueuePair) -> None:
    # given a handler that crashes on its first call only
    calls: list[list[str]] = []

    def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(sorted(r["body"] for r in event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("cold start went wrong")
        return {"batchItemFailures": []}

    queue.sqs.send_message_batch(QueueUrl=queue.url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])

    # when
    handled = QueuePoller(queue.url, flaky).drain(timeout=10)

    # then: every message came back after the crash and was handled on the retry
    assert sum(len(batch) for batch in calls[1:]) == 3
    assert sorted(body for batch in calls[1:] for body in batch) == ["m0", "m1", "m2"]
    assert handled == sum(len(batch) for batch in calls)
    assert queue.count(queue.url) == 0
    assert queue.count(queue.dlq_url) == 0


def test_batches_respect_the_batch_size(queue: QueuePair) -> None:
    sizes: list[int] = []
    queue.sqs.send_message_batch(QueueUrl=queue.url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(7)])

    handled = QueuePoller(
        queue.url, lambda event, context: sizes.append(len(event["Records"])) or {}, batch_size=3
    ).drain()

    assert handled == 7
    assert max(sizes) <= 3


def test_stop_ends_the_thread_promptly(queue: QueuePair) -> None:
    poller = QueuePoller(queue.url, lambda event, context: {}, interval=0.2).start()
    started = time.monotonic()
    poller.stop()

    assert time.monotonic() - started < 2
    assert not any(t.name.startswith(f"lumi-queue-{poller.queue_name}-") for t in threading.enumerate())


@pytest.mark.parametrize("via", ["thread", "drain"])
def test_batches_run_concurrently_as_lambda_instances_would(queue: QueuePair, via: str) -> None:
    # given a handler that waits until a second batch is being handled at the same time
    together = threading.Barrier(2, timeout=10)
    sizes: list[int] = []

    def meets_another(event: dict[str, Any], context: Any) -> dict[str, Any]:
        sizes.append(len(event["Records"]))
        together.wait()  # raises (fails the batch) if no other batch ever comes
        return {"batchItemFailures": []}

    for body in ("one", "two"):
        queue.sqs.send_message(QueueUrl=queue.url, MessageBody=body)

    # when a poller with two workers takes batches of one
    poller = QueuePoller(queue.url, meets_another, batch_size=1, concurrency=2)
    if via == "thread":
        poller.start()
        try:
            wait_until(lambda: queue.count(queue.url) == 0, what="both messages handled")
        finally:
            poller.stop()
    else:
        assert poller.drain(timeout=30) == 2

    # then both were handled once each, side by side (one worker alone would break the barrier)
    assert sizes == [1, 1]
    assert not together.broken


def test_a_report_naming_unknown_messages_fails_the_whole_batch(queue: QueuePair) -> None:
    # given a handler whose first report names a message that is not in the batch
    calls: list[list[str]] = []

    def confused(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append([r["body"] for r in event["Records"]])
        if len(calls) == 1:
            return {"batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]}
        return {"batchItemFailures": []}

    queue.sqs.send_message(QueueUrl=queue.url, MessageBody="only")

    # when
    QueuePoller(queue.url, confused).drain()

    # then the message was not deleted after the bad report but handled again
    assert calls == [["only"], ["only"]]
    assert queue.count(queue.url) == 0


def test_the_redrive_command_moves_dead_letters_back_and_they_then_run(queue: QueuePair) -> None:
    from backend.jobs import redrive

    # given two messages that failed three times each and sit in the dead-letter queue
    broken = True
    ran: list[str] = []

    def on_record(record: SQSRecord) -> None:
        if broken:
            raise RuntimeError("the job is broken")
        ran.append(record.body)

    handler = batch_handler(on_record)
    for body in ("first", "second"):
        queue.sqs.send_message(
            QueueUrl=queue.url,
            MessageBody=body,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": body.upper()}},
        )
    QueuePoller(queue.url, handler).drain()
    assert queue.count(queue.url) == 0 and queue.count(queue.dlq_url) == 2

    # when the job is fixed and the dead letters are moved back
    broken = False
    result = redrive.move(queue.sqs, queue.dlq_url, queue.url)

    # then both are back with their attributes, the dead-letter queue is empty, and they run once each
    assert result == redrive.Redriven(moved=2, left=0)
    assert queue.count(queue.dlq_url) == 0
    QueuePoller(queue.url, handler).drain()
    assert sorted(ran) == ["first", "second"]
    assert queue.count(queue.url) == 0


def test_the_redrive_command_names_the_queue_and_reports_what_it_moved(
    local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from backend.jobs import redrive

    assert redrive.main(["--queue", "media"]) == 0
    assert "moved 0 message(s) from media's dead-letter queue back to it; 0 left" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        redrive.main(["--queue", "no-such-queue"])
    assert refused.value.code == 2
