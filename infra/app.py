"""CDK entry point: ``cdk synth -a "python -m infra.app" -c stage=dev|prod``.

Without the CDK CLI, ``python -m infra.app`` synthesizes too: the stage comes from the
context in ``CDK_CONTEXT_JSON`` (``{"stage": "prod"}``) and the assembly goes to
``CDK_OUTDIR`` (``make synth`` does both, for dev and prod). The stage defaults to ``dev``;
anything but ``dev`` or ``prod`` is refused, and an error annotation (a cdk-nag finding
without a suppression) fails the synth.
"""

from __future__ import annotations

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import LumiStack
from infra.stages import UnknownStage, checked_stage

# CDK behaviours that are not yet the default, chosen as a ``cdk.json`` would choose them.
FEATURE_FLAGS = {
    # Server access logs are delivered under a bucket policy, not the legacy LogDeliveryWrite ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def build(stage: str | None = None, app_origins: list[str] | None = None, context: dict | None = None) -> cdk.App:
    """The app; ``context`` as ``cdk -c`` would give it (tests), e.g. ``{"mediaSigningPublicKey": …}``.
    ``stage`` overrides the context's ``stage`` (default ``dev``).

    ``{"lambdaAssets": "build"}`` (``make deploy``) builds the real Lambda assets (``infra.assets``);
    without it functions get a stand-in of ``backend/`` sources, so test synths stay fast and offline.
    """
    app = cdk.App(context={**FEATURE_FLAGS, **(context or {})})
    stage = checked_stage(stage if stage is not None else app.node.try_get_context("stage") or "dev")
    LumiStack(app, f"Lumi-{stage}", stage=stage, app_origins=app_origins or ["https://app.lumi.example"])
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app


def main() -> int:
    try:
        app = build()
    except (UnknownStage, ValueError) as error:
        print(f"infra.app: {error}", file=sys.stderr)
        return 2
    assembly = app.synth()
    errors = [
        f"{message.id}: {message.entry.data}"
        for stack in assembly.stacks
        for message in stack.messages
        if message.level.name == "ERROR"
    ]
    for error in errors:
        print(f"infra.app: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
