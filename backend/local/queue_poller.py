"""The local stand-in for an SQS event source mapping (SQS → Lambda).

It receives from the emulated queue, hands the handler a batch shaped exactly as Lambda
delivers it, and honours the handler's partial-failure report: messages not reported in
``batchItemFailures`` are deleted, reported ones are made visible again at once. Retries
and the dead-letter queue are left to the queue itself: its redrive policy
(maxReceiveCount) moves a message that keeps failing to the DLQ, in the emulator as in AWS.

Handling a batch (the handler and the deletes after it) is one unit of the quiesce gate, so
a snapshot never holds a handler's effects without the batch's deletes. The receive comes
before it, so a long poll never holds a save back; a snapshot taken in between keeps the
messages in flight, and after a crash they come back when their visibility timeout ends.

Lambda runs several batches of one queue at once (one per instance, up to the mapping's
maximum concurrency, ``QueueShape.max_concurrency``), so a burst is not served one batch after
another: the poller runs that many workers, each receiving and handling its own batches.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from backend.local.lambda_context import LocalLambdaContext
from backend.local.outage import Outage
from backend.local.quiesce import GATE

log = logging.getLogger("lumi.local.queue")

LambdaHandler = Callable[[dict[str, Any], Any], Any]


class QueuePoller:
    def __init__(
        self,
        queue_url: str,
        handler: LambdaHandler,
        batch_size: int = 10,
        interval: float = 0.2,
        wait_seconds: int = 0,
        function_name: str | None = None,
        concurrency: int = 1,
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError("SQS delivers 1 to 10 messages per batch")
        if concurrency < 1:
            raise ValueError("a poller needs at least one worker")
        self.concurrency = concurrency
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        self.interval = interval
        self.wait_seconds = wait_seconds
        self.queue_name = queue_url.rstrip("/").rsplit("/", 1)[-1]
        self.function_name = function_name or f"{self.queue_name}-consumer"
        self._queue_arn: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.outage = Outage(log, f"polling {self.queue_name}", interval)

    @staticmethod
    def _sqs() -> Any:
        from backend.aws import client

        return client("sqs")

    @property
    def queue_arn(self) -> str:
        if self._queue_arn is None:
            attributes = self._sqs().get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
            self._queue_arn = attributes["Attributes"]["QueueArn"]
        return self._queue_arn

    def start(self) -> QueuePoller:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._run, name=f"lumi-queue-{self.queue_name}-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("the %s poller did not stop within %.0fs", self.queue_name, timeout)
        self._threads = []

    def drain(self, timeout: float = 10.0) -> int:
        """Process batches until the queue has nothing visible left; return how many messages were handled.

        Failed messages come back at once, so this also runs their retries and, with a redrive
        policy, their move to the dead-letter queue.
        """
        deadline = time.monotonic() + timeout
        handled = 0
        lock = threading.Lock()

        def work() -> None:
            nonlocal handled
            while time.monotonic() < deadline:
                count = self.poll_once(wait_seconds=0)
                if count == 0:
                    return
                with lock:
                    handled += count

        while time.monotonic() < deadline:
            workers = [threading.Thread(target=work, daemon=True) for _ in range(self.concurrency - 1)]
            for worker in workers:
                worker.start()
            work()
            for worker in workers:
                worker.join(max(0.0, deadline - time.monotonic()))
            more = self.poll_once(wait_seconds=0)  # a worker's failures may have come back meanwhile
            if more == 0:
                return handled
            handled += more
        log.warning("draining %s stopped after %.0fs with messages still arriving", self.queue_name, timeout)
        return handled

    def poll_once(self, wait_seconds: int | None = None) -> int:
        """Receive one batch and run the handler on it; return the number of messages received.

        Safe to call from several threads at once: each call handles the batch it received."""
        response = self._sqs().receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if messages:
            with GATE.unit():
                self._handle(messages)
        return len(messages)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                received = self.poll_once()
            except Exception:
                self._stop.wait(self.outage.failed())
                continue
            self.outage.worked()
            if not received:
                self._stop.wait(self.interval)

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        from backend.settings import get_settings

        event = {"Records": [self._record(message) for message in messages]}
        context = LocalLambdaContext(self.function_name, region=get_settings().region)
        ids = {message["MessageId"] for message in messages}
        try:
            result = self.handler(event, context)
            failed = {item.get("itemIdentifier") for item in (result or {}).get("batchItemFailures", [])}
            if not failed <= ids:
                # Lambda treats a report naming no message of the batch as a failure of the whole batch.
                log.error("the %s handler reported unknown message ids %s", self.queue_name, failed - ids)
                failed = ids
        except Exception:
            # A handler that raises fails the whole batch, as in Lambda.
            log.exception("the %s handler failed on a batch of %d", self.queue_name, len(messages))
            failed = ids

        sqs = self._sqs()
        done = [m for m in messages if m["MessageId"] not in failed]
        again = [m for m in messages if m["MessageId"] in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if again:
            log.info(
                "%d of %d messages from %s failed and return to the queue", len(again), len(messages), self.queue_name
            )
            sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(again)
                ],
            )

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        from backend.settings import get_settings

        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _lambda_message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": get_settings().region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API attribute (PascalCase, raw bytes) → the camelCase, base64 form Lambda delivers."""

    def b64(data: bytes | str) -> str:
        return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode("ascii")

    out: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [b64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = b64(value["BinaryValue"])
    return out


__all__ = ["QueuePoller"]
