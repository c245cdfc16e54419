"""Wire the emulated event sources to their handlers, as event source mappings do in AWS.

The table's stream always feeds ``backend.streams.handler.handler``. Queues feed a handler
only once one is registered in ``QUEUE_HANDLERS`` (queue short name from
``backend.resources`` → ``"module:function"``); a queue without one just holds its messages.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from backend.local.bootstrap import Provisioned
from backend.resources import queue_shape

log = logging.getLogger("lumi.local.pollers")

QUEUE_HANDLERS: dict[str, str] = {
    "notifications": "backend.jobs.notifications:handler",
    "media": "backend.jobs.media:handler",
    "affirmations": "backend.jobs.affirmations:handler",
    "date-reminders": "backend.jobs.date_reminders:handler",
    "music": "backend.jobs.music:handler",
}

STREAM_HANDLER = "backend.streams.handler:handler"


class Poller(Protocol):
    def stop(self) -> None: ...


def load_handler(path: str) -> Callable[[dict[str, Any], Any], Any]:
    """``"package.module:function"`` → the function."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"handler path {path!r} must look like 'package.module:function'")
    return getattr(importlib.import_module(module_name), attribute)


def start_pollers(
    provisioned: Provisioned,
    queue_handlers: dict[str, str] | None = None,
    stream_handler: str = STREAM_HANDLER,
    stream_checkpoints: dict[str, str] | None = None,
) -> list[Poller]:
    """Start a stream poller on the table and a queue poller per queue with a handler; return them running.

    ``stream_checkpoints`` (shard → last sequence number done) resumes the stream after them."""
    from backend.local.queue_poller import QueuePoller
    from backend.local.stream_poller import StreamPoller

    started: list[Poller] = []
    try:
        stream = StreamPoller(
            provisioned.table_stream_arn, load_handler(stream_handler), checkpoints=stream_checkpoints
        )
        stream.start()
        started.append(stream)
        handlers = QUEUE_HANDLERS if queue_handlers is None else queue_handlers
        for queue, handler_path in handlers.items():
            if queue not in provisioned.queue_urls:
                raise KeyError(f"no queue named {queue!r} is provisioned (known: {sorted(provisioned.queue_urls)})")
            shape = queue_shape(queue)
            poller = QueuePoller(
                provisioned.queue_urls[queue],
                load_handler(handler_path),
                batch_size=shape.batch_size,
                concurrency=shape.max_concurrency,
            )
            poller.start()
            started.append(poller)
    except BaseException:
        for poller in reversed(started):
            poller.stop()
        raise
    log.debug("started %d pollers", len(started))
    return started


__all__ = ["QUEUE_HANDLERS", "STREAM_HANDLER", "Poller", "load_handler", "start_pollers"]
