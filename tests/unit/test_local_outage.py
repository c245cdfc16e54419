"""A local poller whose emulator is away says so once, waits longer between tries, and says when it is back.

Before, each failed try was logged with its traceback: ten pollers a few times a second each, for
as long as the emulator was away (and, in one test run, for the rest of the run after their stack's
emulator was gone), which drowned the log and kept the CPU busy formatting tracebacks.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from backend.local import outage as outage_module
from backend.local.outage import Outage
from backend.local.queue_poller import QueuePoller

log = logging.getLogger("lumi.test.outage")


def _fail(outage: Outage) -> float:
    try:
        raise ConnectionRefusedError("the emulator is away")
    except ConnectionRefusedError:
        return outage.failed()


def test_an_outage_logs_its_first_failure_whole_then_a_line_a_minute_then_its_end(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(outage_module.time, "monotonic", lambda: clock[0])
    outage = Outage(log, "polling lumi-local-media", interval=0.2, longest=5, every=60)
    caplog.set_level(logging.INFO, logger=log.name)

    # when a hundred tries fail within a minute
    for _ in range(100):
        _fail(outage)
        clock[0] += 0.5
    # then the first is logged with its traceback, and nothing else yet
    assert [(r.levelname, r.exc_info is not None) for r in caplog.records] == [("ERROR", True)]
    assert "polling lumi-local-media failed" in caplog.records[0].getMessage()

    # when it still fails a minute on: one line, without a traceback
    clock[0] += 60
    _fail(outage)
    assert [(r.levelname, r.exc_info is not None) for r in caplog.records[1:]] == [("WARNING", False)]
    assert "still fails (101 tries so far)" in caplog.records[1].getMessage()

    # when it works again: said once, and a later success says nothing
    outage.worked()
    outage.worked()
    assert [r.getMessage() for r in caplog.records[2:]] == [
        "polling lumi-local-media works again after 101 failed tries"
    ]


def test_the_wait_between_tries_doubles_up_to_the_longest_and_starts_over_after_a_success() -> None:
    outage = Outage(log, "polling the stream", interval=0.2, longest=5)
    waits = [_fail(outage) for _ in range(8)]
    assert waits == [0.4, 0.8, 1.6, 3.2, 5, 5, 5, 5]
    outage.worked()
    assert _fail(outage) == 0.4


def test_a_queue_poller_whose_emulator_is_away_logs_one_traceback_and_recovers(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a queue poller (two workers) whose emulator refuses every call
    tries: list[float] = []
    away = threading.Event()
    away.set()

    class Sqs:
        def receive_message(self, **_: Any) -> dict[str, Any]:
            tries.append(time.monotonic())
            if away.is_set():
                raise ConnectionRefusedError("the emulator is away")
            return {"Messages": []}

    monkeypatch.setattr(QueuePoller, "_sqs", staticmethod(lambda: Sqs()))
    caplog.set_level(logging.INFO, logger="lumi.local.queue")
    poller = QueuePoller(
        "http://127.0.0.1:9/123456789012/lumi-test-media", lambda *_: None, interval=0.02, concurrency=2
    )
    poller.start()
    try:
        time.sleep(1.0)
        # then it tried with growing waits (at a fixed 0.02 s it would have tried about a hundred times)
        failed_tries = len(tries)
        assert 2 <= failed_tries <= 20, failed_tries
        errors = [r for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and errors[0].exc_info is not None

        # when the emulator is back, the poller says so and polls at its pace again
        away.clear()
        deadline = time.monotonic() + 5
        while not any("works again" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the poller never said it works again"
            time.sleep(0.02)
    finally:
        poller.stop()
    assert poller.outage.failures == 0
