"""The local stand-in for EventBridge schedules: jobs run in-process on a timer.

Schedules use EventBridge's own expressions, ``rate(5 minutes)`` or ``cron(0 8 * * ? *)``
(UTC, six fields: minutes hours day-of-month month day-of-week year), so the same string
can be given to the CDK rule in AWS. Each job runs on a worker thread; a failing or slow
job is logged and never stops the others, and a job still running is not started again.

Each run is one unit of the quiesce gate (``backend.local.quiesce``): a snapshot never
holds half a job's writes.

``backend.schedules.SCHEDULED_JOBS`` lists the Lambda handlers EventBridge invokes in AWS
(infra builds a rule from each entry); ``scheduler_from_registry()`` builds the scheduler
that runs them with a "Scheduled Event" as their event. A job with a
``local_interval_setting`` runs more often locally than EventBridge can (its floor is a
minute), e.g. presence cleanup every few seconds.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.local.lambda_context import ACCOUNT_ID, LocalLambdaContext
from backend.local.quiesce import GATE
from backend.schedules import SCHEDULED_JOBS, ScheduledJob
from backend.settings import get_settings

log = logging.getLogger("lumi.local.scheduler")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(second|seconds|minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def rate_seconds(expression: str) -> float:
    """``rate(5 minutes)`` → 300. Seconds are allowed too (handy locally; EventBridge's floor is a minute)."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"not a rate expression: {expression!r}")
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    if value <= 0:
        raise ValueError(f"a rate must be positive: {expression!r}")
    return float(value * _UNIT_SECONDS[unit])


def _parse_field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """One cron field → the allowed values, or None for "any" (``*`` / ``?``)."""
    if text in {"*", "?"}:
        return None
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.upper()
        value = names[token] if names and token in names else int(token)
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}-{high}")
        return value

    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step <= 0:
            raise ValueError(f"bad step in {text!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = number(first), number(last)
        else:
            start = number(base)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """An EventBridge ``cron(...)`` expression (no ``L``, ``W`` or ``#``), evaluated in UTC."""

    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 1 = Sunday … 7 = Saturday, as in EventBridge
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        text = expression.strip()
        if not (text.startswith("cron(") and text.endswith(")")):
            raise ValueError(f"not a cron expression: {expression!r}")
        fields = text[5:-1].split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields (minutes hours day month weekday year): {expression!r}")
        try:
            return cls(
                minutes=_parse_field(fields[0], 0, 59),
                hours=_parse_field(fields[1], 0, 23),
                days=_parse_field(fields[2], 1, 31),
                months=_parse_field(fields[3], 1, 12, _MONTHS),
                weekdays=_parse_field(fields[4], 1, 7, _WEEKDAYS),
                years=_parse_field(fields[5], 1970, 2199),
            )
        except ValueError as error:
            raise ValueError(f"bad cron expression {expression!r}: {error}") from None

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after ``moment`` (UTC)."""
        t = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * 5)
        while t < limit:
            if self.years is not None and t.year not in self.years:
                t = datetime(t.year + 1, 1, 1, tzinfo=UTC)
            elif self.months is not None and t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif self.hours is not None and t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif self.minutes is not None and t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise ValueError("this cron expression never fires in the next five years")

    def _day_matches(self, t: datetime) -> bool:
        weekday = (t.isoweekday() % 7) + 1  # Sunday → 1
        return (self.days is None or t.day in self.days) and (self.weekdays is None or weekday in self.weekdays)


@dataclass
class _Job:
    name: str
    fn: Callable[[], Any]
    next_due: Callable[[float], float]  # wall-clock now → next wall-clock run time
    due_at: float = 0.0
    running: threading.Event = field(default_factory=threading.Event)
    runs: int = 0
    failures: int = 0


class Scheduler:
    def __init__(self, workers: int = 4) -> None:
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._workers = workers

    def every(self, seconds: float, name: str, fn: Callable[[], Any]) -> Scheduler:
        """Run ``fn`` every ``seconds``, the first time one interval after start."""
        if seconds <= 0:
            raise ValueError("the interval must be positive")
        return self._add(_Job(name, fn, lambda now: now + seconds))

    def cron(self, expression: str, name: str, fn: Callable[[], Any]) -> Scheduler:
        """Run ``fn`` on an EventBridge schedule expression: ``rate(...)`` or ``cron(...)``."""
        if expression.strip().startswith("rate("):
            return self.every(rate_seconds(expression), name, fn)
        schedule = CronSchedule.parse(expression)
        return self._add(_Job(name, fn, lambda now: schedule.next_after(datetime.fromtimestamp(now, UTC)).timestamp()))

    def _add(self, job: _Job) -> Scheduler:
        with self._lock:
            if job.name in self._jobs:
                raise ValueError(f"a job named {job.name!r} is already scheduled")
            job.due_at = job.next_due(time.time())
            self._jobs[job.name] = job
        self._wake.set()
        return self

    def stats(self, name: str) -> tuple[int, int]:
        """(runs finished, of which failed) for one job."""
        job = self._jobs[name]
        return job.runs, job.failures

    def trigger(self, name: str) -> None:
        """Run one job now, on the calling thread (tests, and the CLI's manual runs)."""
        self._execute(self._jobs[name])

    def start(self) -> Scheduler:
        self._stop.clear()
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="lumi-job")
        self._thread = threading.Thread(target=self._run, name="lumi-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            with self._lock:
                jobs = list(self._jobs.values())
            for job in jobs:
                if job.due_at <= now:
                    job.due_at = job.next_due(now)
                    if job.running.is_set():
                        log.warning("job %s is still running; skipping this run", job.name)
                        continue
                    job.running.set()
                    assert self._pool is not None
                    self._pool.submit(self._execute, job, True)
            next_due = min((job.due_at for job in jobs), default=now + 60)
            self._wake.wait(max(0.0, min(next_due - time.time(), 60.0)))
            self._wake.clear()

    @staticmethod
    def _execute(job: _Job, scheduled: bool = False) -> None:
        started = time.monotonic()
        try:
            with GATE.unit():
                job.fn()
        except Exception:
            job.failures += 1
            log.exception("scheduled job %s failed", job.name)
        else:
            log.debug("scheduled job %s took %.3fs", job.name, time.monotonic() - started)
        finally:
            job.runs += 1
            if scheduled:
                job.running.clear()


def scheduled_event(rule: str, region: str, now: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge hands a Lambda target when a schedule fires."""
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


def scheduler_from_registry(jobs: Iterable[ScheduledJob] | None = None) -> Scheduler:
    """A scheduler with every job of ``SCHEDULED_JOBS``, each invoked as EventBridge would."""
    from backend.local.pollers import load_handler

    settings = get_settings()
    scheduler = Scheduler()
    for job in SCHEDULED_JOBS if jobs is None else jobs:
        handler = load_handler(job.handler)

        def invoke(handler: Callable[[dict[str, Any], Any], Any] = handler, name: str = job.name) -> Any:
            region = get_settings().region
            return handler(scheduled_event(name, region), LocalLambdaContext(name, region=region))

        if job.local_interval_setting is not None:
            scheduler.every(float(getattr(settings, job.local_interval_setting)), job.name, invoke)
        else:
            scheduler.cron(job.expression, job.name, invoke)
    return scheduler


__all__ = [
    "SCHEDULED_JOBS",
    "CronSchedule",
    "Scheduler",
    "rate_seconds",
    "scheduled_event",
    "scheduler_from_registry",
]
