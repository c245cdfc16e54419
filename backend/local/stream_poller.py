"""The local stand-in for a DynamoDB stream event source mapping (stream → Lambda).

It reads the emulated stream shard by shard with boto3 ``dynamodbstreams``, hands the
handler batches shaped exactly as Lambda delivers them, and honours the partial-failure
report as Lambda does with bisect off: records before the first failure are done, the
batch is retried from the first failed record, and a record that fails three times is
logged and skipped. A handler that raises counts as failing from its first record.

``drain()`` processes everything readable right now, synchronously; tests use it to wait
for cascades instead of sleeping.

Each batch, with its checkpoint advance, is one unit of the quiesce gate, so a snapshot
holds the table and the position of the last record done on it together; a poller made
with ``checkpoints`` from that snapshot resumes right after them (nothing done twice,
nothing skipped), like a mapping resuming from its stored position.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from backend.local.lambda_context import LocalLambdaContext
from backend.local.outage import Outage
from backend.local.quiesce import GATE

log = logging.getLogger("lumi.local.stream")

LambdaHandler = Callable[[dict[str, Any], Any], Any]
MAX_TRIES = 3


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None = None
    checkpoint: str | None = None  # sequence number of the last record that is done
    closed: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)


class StreamPoller:
    def __init__(
        self,
        stream_arn: str,
        handler: LambdaHandler,
        batch_size: int = 100,
        interval: float = 0.2,
        starting_position: str = "TRIM_HORIZON",
        function_name: str = "stream-handler",
        checkpoints: dict[str, str] | None = None,
    ) -> None:
        if not 1 <= batch_size <= 10000:
            raise ValueError("a stream batch holds 1 to 10000 records")
        if starting_position not in ("TRIM_HORIZON", "LATEST"):
            raise ValueError("starting_position is TRIM_HORIZON or LATEST")
        self.stream_arn = stream_arn
        self.handler = handler
        self.batch_size = batch_size
        self.interval = interval
        self.starting_position = starting_position
        self.function_name = function_name
        self._shards: dict[str, _Shard] = {
            shard_id: _Shard(shard_id, checkpoint=sequence) for shard_id, sequence in (checkpoints or {}).items()
        }
        self._tries: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.outage = Outage(log, "polling the stream", interval)
        # One batch at a time (a mapping with concurrency 1), shared by the thread and drain().
        self._batch = threading.Lock()
        if starting_position == "LATEST":
            # "From now on" means from when the mapping is made, not from the first poll.
            self._discover_shards()
            for shard in self._shards.values():
                self._iterator(shard)

    @staticmethod
    def _streams() -> Any:
        from backend.aws import client

        return client("dynamodbstreams")

    # ------------------------------------------------------------ lifecycle

    def start(self) -> StreamPoller:
        for shard in self._shards.values():
            if shard.checkpoint is not None:
                log.info("the stream resumes after record %s of %s", shard.checkpoint, shard.shard_id)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lumi-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the stream poller did not stop within %.0fs", timeout)
            self._thread = None

    def drain(self, timeout: float = 10.0) -> int:
        """Process everything currently readable; return how many records were handled."""
        deadline = time.monotonic() + timeout
        handled = 0
        while True:
            with self._batch:
                attempted, done = self._poll_once()
            handled += done
            if not attempted:
                return handled
            if time.monotonic() > deadline:
                raise TimeoutError(f"the stream still had records after {timeout:.0f}s")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._batch:
                    attempted, _ = self._poll_once()
            except Exception:  # a polling error must not kill the poller
                self._stop.wait(self.outage.failed())
                continue
            self.outage.worked()
            if not attempted:
                self._stop.wait(self.interval)

    def checkpoints(self) -> dict[str, str]:
        """Per shard, the sequence number of the last record done (read it with the gate held)."""
        return {shard.shard_id: shard.checkpoint for shard in self._shards.values() if shard.checkpoint is not None}

    # ------------------------------------------------------------ reading

    def _discover_shards(self) -> None:
        description = self._streams().describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._shards:
                self._shards[shard_id] = _Shard(shard_id)

    def _iterator(self, shard: _Shard) -> str | None:
        if shard.iterator is None and not shard.closed:
            kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
            if shard.checkpoint is not None:
                kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=shard.checkpoint)
            else:
                kwargs["ShardIteratorType"] = self.starting_position
            shard.iterator = self._streams().get_shard_iterator(**kwargs)["ShardIterator"]
        return shard.iterator

    def _fill(self, shard: _Shard) -> None:
        if shard.buffer or shard.closed:
            return
        iterator = self._iterator(shard)
        if iterator is None:
            return
        try:
            response = self._streams().get_records(ShardIterator=iterator, Limit=self.batch_size)
        except ClientError as error:
            if error.response["Error"]["Code"] in {"ExpiredIteratorException", "TrimmedDataAccessException"}:
                shard.iterator = None  # start again from the checkpoint
                return
            raise
        shard.buffer = list(response.get("Records", []))
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:
            shard.closed = True

    def _poll_once(self) -> tuple[bool, int]:
        """One batch from the first shard that has records: (was there one, how many records are done)."""
        with GATE.unit():
            self._discover_shards()
            for shard in self._shards.values():
                self._fill(shard)
                if shard.buffer:
                    done = self._deliver(shard)
                    if done:
                        GATE.changed()  # the checkpoint moved
                    return True, done
            return False, 0

    # ------------------------------------------------------------ delivering

    def _deliver(self, shard: _Shard) -> int:
        batch = shard.buffer[: self.batch_size]
        failed_at = self._invoke(batch)
        done = batch if failed_at is None else batch[:failed_at]
        if failed_at is not None:
            failed = batch[failed_at]
            sequence = failed["dynamodb"]["SequenceNumber"]
            tries = self._tries.get(sequence, 0) + 1
            self._tries[sequence] = tries
            if tries >= MAX_TRIES:
                log.error("stream record %s failed %d times; skipping it", sequence, tries)
                done = batch[: failed_at + 1]
        for record in done:
            self._tries.pop(record["dynamodb"]["SequenceNumber"], None)
        if done:
            shard.checkpoint = done[-1]["dynamodb"]["SequenceNumber"]
            del shard.buffer[: len(done)]
            log.debug(
                "records %s..%s of %s are done", done[0]["dynamodb"]["SequenceNumber"], shard.checkpoint, shard.shard_id
            )
        return len(done)

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """Call the handler; the index of the first failed record, or None if all succeeded."""
        event = {"Records": [self._lambda_record(record) for record in batch]}
        try:
            response = self.handler(event, LocalLambdaContext(function_name=self.function_name))
        except Exception:  # Lambda treats a raised error as a failed batch
            log.exception("the stream handler raised")
            return 0
        failures = (response or {}).get("batchItemFailures") or []
        failed = {str(item.get("itemIdentifier")) for item in failures}
        for index, record in enumerate(batch):
            if record["dynamodb"]["SequenceNumber"] in failed:
                return index
        return None

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": record.get("eventID"),
            "eventName": record.get("eventName"),
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion"),
            "dynamodb": change,
            "eventSourceARN": self.stream_arn,
        }
