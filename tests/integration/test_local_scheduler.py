"""The in-process stand-in for EventBridge schedules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.local.scheduler import CronSchedule, Scheduler, rate_seconds, scheduler_from_registry
from backend.schedules import ScheduledJob


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def scheduler() -> Iterator[Scheduler]:
    scheduler = Scheduler()
    yield scheduler
    scheduler.stop()


def test_a_job_runs_repeatedly_off_the_main_thread(scheduler: Scheduler) -> None:
    threads: list[str] = []
    scheduler.every(0.05, "tick", lambda: threads.append(threading.current_thread().name)).start()

    wait_until(lambda: len(threads) >= 3, what="three ticks")

    assert threading.main_thread().name not in threads
    assert all(name.startswith("lumi-job") for name in threads)


def test_a_failing_job_is_logged_and_does_not_stop_the_others(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("presence cleanup exploded")

    ticks: list[float] = []
    with caplog.at_level(logging.ERROR, logger="lumi.local.scheduler"):
        scheduler.every(0.05, "broken", broken).every(0.05, "healthy", lambda: ticks.append(time.time())).start()
        wait_until(lambda: scheduler.stats("broken")[1] >= 3, what="three failures")
        wait_until(lambda: len(ticks) >= 3, what="the healthy job to keep going")

    runs, failures = scheduler.stats("broken")
    assert failures == runs >= 3
    assert scheduler.stats("healthy")[1] == 0
    assert any("broken" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_slow_job_is_not_started_twice_and_does_not_hold_up_the_others(scheduler: Scheduler) -> None:
    release = threading.Event()
    running = 0
    most_at_once = 0
    lock = threading.Lock()

    def slow() -> None:
        nonlocal running, most_at_once
        with lock:
            running += 1
            most_at_once = max(most_at_once, running)
        release.wait(5)
        with lock:
            running -= 1

    ticks: list[int] = []
    scheduler.every(0.02, "slow", slow).every(0.02, "quick", lambda: ticks.append(1)).start()
    wait_until(lambda: len(ticks) >= 5, what="the quick job while the slow one runs")
    release.set()
    wait_until(lambda: scheduler.stats("slow")[0] >= 1, what="the slow job to finish")

    assert most_at_once == 1


def test_stop_stops_the_runs(scheduler: Scheduler) -> None:
    ticks: list[int] = []
    scheduler.every(0.02, "tick", lambda: ticks.append(1)).start()
    wait_until(lambda: len(ticks) >= 2, what="two ticks")

    scheduler.stop()

    # nothing is left that could run the job again
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("lumi-scheduler", "lumi-job"))]


def test_rate_expressions_run_on_their_interval(scheduler: Scheduler) -> None:
    ticks: list[int] = []
    scheduler.cron("rate(1 second)", "every-second", lambda: ticks.append(1)).start()

    wait_until(lambda: len(ticks) >= 1, timeout=3, what="the first tick")
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 8 * * ? *)", "2026-03-01T07:59:30", "2026-03-01T08:00:00"),
        ("cron(0 8 * * ? *)", "2026-03-01T08:00:00", "2026-03-02T08:00:00"),
        ("cron(0/15 * * * ? *)", "2026-03-01T10:16:00", "2026-03-01T10:30:00"),
        ("cron(30 9 ? * MON-FRI *)", "2026-03-06T10:00:00", "2026-03-09T09:30:00"),  # Friday → Monday
        ("cron(0 0 1 * ? *)", "2026-01-31T12:00:00", "2026-02-01T00:00:00"),
        ("cron(0 12 29 FEB ? *)", "2026-01-01T00:00:00", "2028-02-29T12:00:00"),
        ("cron(5,35 14 * * ? 2027)", "2026-06-01T00:00:00", "2027-01-01T14:05:00"),
        ("cron(0 18 ? * 1 *)", "2026-03-02T00:00:00", "2026-03-08T18:00:00"),  # 1 = Sunday
    ],
)
def test_cron_expressions_find_the_next_run(expression: str, after: str, expected: str) -> None:
    moment = datetime.fromisoformat(after).replace(tzinfo=UTC)

    assert CronSchedule.parse(expression).next_after(moment) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 * * *)",
        "cron(60 * * * ? *)",
        "cron(0 8 * JANUARY ? *)",
        "0 8 * * ? *",
        "rate(0 minutes)",
        "rate(1 week)",
    ],
)
def test_bad_expressions_are_refused(scheduler: Scheduler, expression: str) -> None:
    with pytest.raises(ValueError):
        scheduler.cron(expression, "bad", lambda: None)


def test_duplicate_job_names_are_refused(scheduler: Scheduler) -> None:
    scheduler.every(60, "cleanup", lambda: None)

    with pytest.raises(ValueError):
        scheduler.every(60, "cleanup", lambda: None)


received: list[tuple[dict[str, Any], Any]] = []


def scheduled_handler(event: dict[str, Any], context: Any) -> None:
    received.append((event, context))


def test_registry_jobs_get_an_eventbridge_scheduled_event() -> None:
    received.clear()
    scheduler = scheduler_from_registry(
        [ScheduledJob("presence-cleanup", "rate(5 minutes)", f"{__name__}:scheduled_handler")]
    )

    scheduler.trigger("presence-cleanup")

    ((event, context),) = received
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == [f"arn:aws:events:{event['region']}:000000000000:rule/presence-cleanup"]
    assert event["detail"] == {}
    assert context.function_name == "presence-cleanup"
    assert context.get_remaining_time_in_millis() > 0
