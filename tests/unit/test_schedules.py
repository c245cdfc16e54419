"""The scheduled-jobs list both EventBridge (infra) and the local scheduler read."""

from __future__ import annotations

import importlib

import pytest

from backend.local.scheduler import CronSchedule, rate_seconds
from backend.schedules import SCHEDULED_JOBS, ScheduledJob, scheduled_job
from backend.settings import Settings


@pytest.mark.parametrize("job", SCHEDULED_JOBS, ids=lambda job: job.name)
def test_every_job_names_a_handler_that_exists_and_an_expression_eventbridge_takes(job: ScheduledJob) -> None:
    module, _, function = job.handler.partition(":")
    assert callable(getattr(importlib.import_module(module), function))
    assert job.lambda_handler == f"{module}.{function}"
    if job.expression.startswith("rate("):
        assert rate_seconds(job.expression) >= 60  # EventBridge's floor is a minute
    else:
        CronSchedule.parse(job.expression)
    if job.local_interval_setting is not None:
        assert job.local_interval_setting in Settings.model_fields
    assert 0 <= job.retry_attempts <= 185  # EventBridge's limit


def test_job_names_are_unique_and_fit_a_rule_name() -> None:
    names = [job.name for job in SCHEDULED_JOBS]
    assert len(names) == len(set(names))
    # the rule is lumi-{stage}-{name}: EventBridge allows 64 characters of [.-_A-Za-z0-9]
    assert all(len(f"lumi-prod-{name}") <= 64 and name.replace("-", "").isalnum() for name in names)


def test_an_unknown_job_is_a_key_error_naming_the_known_ones() -> None:
    assert scheduled_job("affirmations").name == "affirmations"
    with pytest.raises(KeyError, match="presence-cleanup"):
        scheduled_job("no-such-job")


def test_the_list_imports_nothing_of_the_backend() -> None:
    """infra reads it; it must not drag in the local stack or a handler's dependencies."""
    import ast
    from pathlib import Path

    import backend.schedules

    tree = ast.parse(Path(backend.schedules.__file__).read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "dataclasses"}
