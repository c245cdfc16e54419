"""CDK entry point: ``cdk synth -a "python -m infra.app"``."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import LumiStack


def build(stage: str = "prod", app_origins: list[str] | None = None, context: dict | None = None) -> cdk.App:
    """The app; ``context`` as ``cdk -c`` would give it (tests), e.g. ``{"mediaSigningPublicKey": …}``.

    ``{"lambdaAssets": "build"}`` (``make deploy``) builds the real Lambda assets (``infra.assets``);
    without it functions get a stand-in of ``backend/`` sources, so test synths stay fast and offline.
    """
    app = cdk.App(context=context)
    LumiStack(app, f"Lumi-{stage}", stage=stage, app_origins=app_origins or ["https://app.lumi.example"])
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app


if __name__ == "__main__":
    build().synth()
