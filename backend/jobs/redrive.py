"""``python -m backend.jobs.redrive --queue NAME``: move a dead-letter queue's messages back to their queue.

For operators and QA, after fixing what made a job fail: each message the dead-letter queue
holds is sent again to the queue it came from (same body and attributes) and only then
deleted from the dead-letter queue, so a crash half-way loses nothing (at worst a message
is sent twice, which every job's sender absorbs: they are idempotent).

SQS has ``StartMessageMoveTask`` for this in AWS, but moto 5.2.5 (the local emulator) does
not implement it, so this receives, resends and deletes, the same way in both places. It
reads the stack's endpoints like every other process (``.lumi/stack.env`` locally, the
environment in AWS).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from backend.resources import RESOURCES, dead_letter_queue_name, queue_name, queue_shape
from backend.settings import get_settings


@dataclass(frozen=True)
class Redriven:
    moved: int
    left: int


def redrive(queue: str, limit: int | None = None) -> Redriven:
    """Move up to ``limit`` (all when None) of ``queue``'s dead letters back to it (its short name)."""
    from backend.aws import client

    sqs = client("sqs")
    stage = get_settings().stage
    shape = queue_shape(queue)
    target = sqs.get_queue_url(QueueName=queue_name(stage, shape))["QueueUrl"]
    source = sqs.get_queue_url(QueueName=dead_letter_queue_name(stage, shape))["QueueUrl"]
    return move(sqs, source, target, limit)


def move(sqs: Any, source: str, target: str, limit: int | None = None) -> Redriven:
    """Move up to ``limit`` messages from the queue at ``source`` to the one at ``target``."""
    moved = 0
    while limit is None or moved < limit:
        batch = sqs.receive_message(
            QueueUrl=source,
            MaxNumberOfMessages=min(10, limit - moved) if limit is not None else 10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not batch:
            break
        entries = []
        for index, message in enumerate(batch):
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = message["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=target, Entries=entries)
        done = {entry["Id"] for entry in sent.get("Successful", [])}
        if done:
            sqs.delete_message_batch(
                QueueUrl=source,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch) if str(i) in done
                ],
            )
        moved += len(done)
        if sent.get("Failed"):
            raise RuntimeError(f"the queue refused {len(sent['Failed'])} message(s): {sent['Failed'][0]}")
    left = int(
        sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )
    return Redriven(moved=moved, left=left)


def main(argv: list[str] | None = None) -> int:
    names = [shape.name for shape in RESOURCES.queues]
    parser = argparse.ArgumentParser(
        prog="python -m backend.jobs.redrive", description="Move a dead-letter queue's messages back to their queue."
    )
    parser.add_argument("--queue", required=True, choices=names, help="the queue whose dead letters to move back")
    parser.add_argument("--max", type=int, default=None, help="move at most this many (default: all)")
    args = parser.parse_args(argv)
    if args.max is not None and args.max < 1:
        parser.error("--max must be at least 1")
    try:
        result = redrive(args.queue, args.max)
    except Exception as error:  # the stack is not running, or the queue is not there
        print(f"could not redrive {args.queue}: {error}", file=sys.stderr)
        return 1
    print(f"moved {result.moved} message(s) from {args.queue}'s dead-letter queue back to it; {result.left} left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
