"""How a local poller reports a service it cannot reach, without flooding the log.

A poller tries again every fraction of a second. When the emulator is away (stopped, restarting,
or a test taking it down on purpose) every try fails the same way: logging each with its
traceback would write several a second per poller, and formatting a traceback is not free
(Python 3.11 parses each source line for its ``^^^`` marks). So the first failure is logged with
its traceback, the rest of the outage one line a minute, and its end once; meanwhile the poller
waits longer between tries, doubling up to ``longest`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time


class Outage:
    def __init__(self, log: logging.Logger, what: str, interval: float, longest: float = 5.0, every: float = 60.0):
        self.log = log
        self.what = what
        self.interval = interval
        self.longest = max(longest, interval)
        self.every = every
        self.failures = 0
        self._last_line = 0.0
        self._lock = threading.Lock()

    def failed(self) -> float:
        """Log the failure being handled (call from ``except``); return the seconds to wait before trying again."""
        with self._lock:
            self.failures += 1
            failures = self.failures
            now = time.monotonic()
            if failures == 1:
                self.log.exception("%s failed; trying again until it works", self.what)
                self._last_line = now
            elif now - self._last_line >= self.every:
                self.log.warning("%s still fails (%d tries so far)", self.what, failures)
                self._last_line = now
        return min(self.longest, self.interval * 2 ** min(failures, 16))

    def worked(self) -> None:
        """The service answered: end the outage (and say so) if there was one."""
        if not self.failures:
            return
        with self._lock:
            if self.failures:
                self.log.warning("%s works again after %d failed tries", self.what, self.failures)
                self.failures = 0
