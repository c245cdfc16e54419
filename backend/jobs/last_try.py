"""A queue job's last try: when the work fails on the delivery after which SQS gives the message to
the dead-letter queue, the job gives up in words instead of raising, so what it was making (a
video, a song) is never left "processing" for ever.

Before the last try a failure is raised: the handler reports the message failed and SQS brings it
back, by when storage or ffmpeg may be back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backend.resources import queue_shape


def receive_count(record: SQSRecord) -> int:
    """How many times SQS has delivered this message (1 when the attribute is missing)."""
    try:
        return int(record.attributes.approximate_receive_count)
    except (TypeError, ValueError):
        return 1


def or_give_up(
    record: SQSRecord, queue: str, work: Callable[[], str], give_up: Callable[[], str], log: logging.Logger, what: str
) -> str:
    """``work()``; if it raises on the message's last delivery to ``queue``, log it and ``give_up()`` instead."""
    try:
        return work()
    except Exception:
        if receive_count(record) < queue_shape(queue).max_receive_count:
            raise
        log.exception("%s failed on its last try", what)
        return give_up()
