"""One EventBridge rule per scheduled job of ``backend.schedules.SCHEDULED_JOBS``.

The functions a job needs more than reading the table for (presence cleanup publishes, the
aggregators fill their queues) are made and granted where that work lives (``Realtime``,
``Workers``) and handed in by job name. A job added to the list with no function handed in
gets one here, with the workers' environment and read access to the table, so a new entry
runs in AWS with no edit of the infrastructure (grant it more where its work lives).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from backend import schedules
from backend.schedules import ScheduledJob

DEFAULT_JOB_TIMEOUT_SECONDS = 300


def construct_name(job: ScheduledJob) -> str:
    """``date-reminders`` → ``DateReminders``."""
    return "".join(part.title() for part in job.name.split("-"))


class Schedules(Construct):
    """``functions``: job name → the function its rule invokes; ``make_function(scope, id, job)``
    makes one for a job not in ``functions``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        functions: Mapping[str, lambda_.Function],
        make_function: Callable[[Construct, str, ScheduledJob], lambda_.Function],
    ) -> None:
        super().__init__(scope, id)
        jobs = schedules.SCHEDULED_JOBS  # read at synth: a job added to the list gets its rule
        unknown = set(functions) - {job.name for job in jobs}
        if unknown:
            raise ValueError(f"functions given for jobs not in backend.schedules: {sorted(unknown)}")
        self.rules: dict[str, events.Rule] = {}
        self.functions: dict[str, lambda_.Function] = {}
        for job in jobs:
            function = functions.get(job.name) or make_function(self, f"{construct_name(job)}Job", job)
            handler = function.node.default_child.handler  # type: ignore[union-attr]
            if handler != job.lambda_handler:
                raise ValueError(f"job {job.name} runs {job.lambda_handler}, but its function runs {handler}")
            self.functions[job.name] = function
            self.rules[job.name] = events.Rule(
                self,
                construct_name(job),
                rule_name=f"lumi-{stage}-{job.name}",
                description=f"{job.name}: {job.handler}",
                schedule=events.Schedule.expression(job.expression),
                targets=[targets.LambdaFunction(function, retry_attempts=job.retry_attempts)],
            )


__all__ = ["DEFAULT_JOB_TIMEOUT_SECONDS", "Schedules", "construct_name"]
