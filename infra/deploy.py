"""The steps of ``make deploy`` / ``make destroy`` that are not the CDK CLI itself.

- ``python -m infra.deploy preflight --stage dev``: refuses an unknown stage, and stops at
  once, with what to do, when there are no AWS credentials, no region, or AWS refuses the
  credentials (one ``sts:GetCallerIdentity``), before anything is built or bootstrapped.
- ``python -m infra.deploy url --stage dev --outputs FILE``: prints the app's URL from the
  stack outputs the CLI wrote (``cdk deploy --outputs-file``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.stages import UnknownStage, checked_stage

APP_URL_OUTPUT = "AppUrl"  # the stack output holding the URL people open

NO_CREDENTIALS = (
    "No AWS credentials found: nothing was deployed.\n"
    "Sign in first, e.g. `aws configure sso` then `export AWS_PROFILE=<profile>`, or set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see README, Deploy to AWS)."
)
NO_REGION = "No AWS region set: nothing was deployed. Set AWS_REGION (e.g. export AWS_REGION=eu-west-1)."


class PreflightError(RuntimeError):
    pass


def preflight(stage: str) -> str:
    """``stage`` checked and the caller's identity, as one line; a PreflightError saying what is missing."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    checked_stage(stage)
    session = boto3.Session()
    if session.get_credentials() is None:
        raise PreflightError(NO_CREDENTIALS)
    if not session.region_name:
        raise PreflightError(NO_REGION)
    sts = session.client("sts", config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2}))
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        raise PreflightError(f"AWS refused the credentials ({error}): nothing was deployed. Sign in again.") from error
    return f"Lumi-{stage} → account {identity['Account']}, region {session.region_name}, as {identity['Arn']}"


def app_url(stage: str, outputs_file: Path) -> str:
    """The app's URL from ``cdk deploy --outputs-file``; all outputs if none is called ``AppUrl``."""
    outputs = json.loads(outputs_file.read_text()).get(f"Lumi-{stage}", {})
    if APP_URL_OUTPUT in outputs:
        return f"Lumi-{stage} is up: {outputs[APP_URL_OUTPUT]}"
    listed = "\n".join(f"  {name}: {value}" for name, value in sorted(outputs.items())) or "  (none)"
    return f"Lumi-{stage} deployed; no {APP_URL_OUTPUT} output. Its outputs:\n{listed}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("preflight", help="stage, credentials and region, before a deploy or destroy")
    check.add_argument("--stage", required=True)
    url = commands.add_parser("url", help="print the app URL from the stack outputs")
    url.add_argument("--stage", required=True)
    url.add_argument("--outputs", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "preflight":
            print(preflight(args.stage))
        else:
            print(app_url(checked_stage(args.stage), args.outputs))
    except UnknownStage as error:
        print(f"{error} (make deploy STAGE=dev|prod)", file=sys.stderr)
        return 2
    except PreflightError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
