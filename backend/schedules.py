"""Every scheduled job of Lumi, in one list that AWS and the local stack both read.

In AWS each entry becomes one EventBridge rule (``infra.schedules``) invoking the entry's
handler as a Lambda; locally ``backend.local.scheduler.scheduler_from_registry`` runs the
same handlers in-process on the same expression, with the same "Scheduled Event". Adding a
job here is all it takes to have it run in both places.

This module is plain data: it imports nothing of the backend, so the CDK app can read it
without pulling in the local stack (``backend.local``) or any handler's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledJob:
    """One job: its name (the rule is ``lumi-{stage}-{name}``), when it runs, and what runs.

    - ``expression``: an EventBridge schedule expression, ``rate(...)`` or ``cron(...)`` (UTC).
    - ``handler``: ``"package.module:function"``, a Lambda handler taking the scheduled event.
    - ``local_interval_setting``: the name of a ``Settings`` field giving, in seconds, how
      often the local stack runs it instead of ``expression`` (EventBridge's floor is a
      minute; locally some jobs run every few seconds so tests and demos need not wait).
    - ``retry_attempts``: how often EventBridge retries a failed invocation (0 for a job
      whose next run comes soon anyway).
    """

    name: str
    expression: str
    handler: str
    local_interval_setting: str | None = None
    retry_attempts: int = 2

    @property
    def module(self) -> str:
        return self.handler.partition(":")[0]

    @property
    def lambda_handler(self) -> str:
        """The handler as Lambda names it: ``package.module.function``."""
        module, _, function = self.handler.partition(":")
        return f"{module}.{function}"


SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    # Tabs that stopped beating are forgotten and partners told (backend.jobs.presence_cleanup).
    ScheduledJob(
        "presence-cleanup",
        "rate(1 minute)",
        "backend.jobs.presence_cleanup:handler",
        local_interval_setting="presence_cleanup_seconds",
        retry_attempts=0,
    ),
    # Who is due a daily affirmation at this quarter hour, in every zone (backend.jobs.affirmations.SCHEDULE).
    ScheduledJob("affirmations", "cron(0/15 * * * ? *)", "backend.jobs.affirmations:aggregator_handler"),
    # Whose date reminders are due, and which timed dates start within the hour (backend.jobs.date_reminders).
    ScheduledJob("date-reminders", "cron(0/15 * * * ? *)", "backend.jobs.date_reminders:aggregator_handler"),
)


def scheduled_job(name: str) -> ScheduledJob:
    """The job called ``name``; a KeyError naming the known ones otherwise."""
    for job in SCHEDULED_JOBS:
        if job.name == name:
            return job
    raise KeyError(f"no scheduled job {name!r} (known: {', '.join(job.name for job in SCHEDULED_JOBS)})")


__all__ = ["SCHEDULED_JOBS", "ScheduledJob", "scheduled_job"]
