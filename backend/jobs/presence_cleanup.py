"""Scheduled presence cleanup: tabs that stopped beating are forgotten and partners told.

A closed laptop never sends its disconnect; its heartbeats just stop. EventBridge runs this
every minute in AWS (``rate(1 minute)``), the local scheduler every
``Settings.presence_cleanup_seconds``. It reads only the people whose first connection is
due (a sorted set of expiries), so its cost follows the number of changes, not of users.
Running it twice is harmless: a second sweep finds nothing due.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.realtime.presence import sweep_stale

log = logging.getLogger("lumi.jobs.presence_cleanup")


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    changed = sweep_stale()
    if changed:
        log.info("presence cleanup: %d people changed state", changed)
    return {"changed": changed}


__all__ = ["handler"]
