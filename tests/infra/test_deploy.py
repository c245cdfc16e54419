"""``make deploy`` / ``make destroy`` stop at once, saying why, without credentials or a known stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.deploy import app_url

ROOT = Path(__file__).resolve().parents[2]


def _preflight(stage: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``python -m infra.deploy preflight`` as make runs it, with no AWS credentials anywhere."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env |= {
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "eu-west-1",
    }
    return subprocess.run(
        [sys.executable, "-m", "infra.deploy", "preflight", "--stage", stage],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_credentials_the_preflight_stops_and_says_how_to_sign_in(tmp_path: Path):
    result = _preflight("dev", tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("No AWS credentials found: nothing was deployed.")
    assert "AWS_PROFILE" in result.stderr and "AWS_ACCESS_KEY_ID" in result.stderr
    assert result.stdout == ""


def test_an_unknown_stage_is_refused_before_anything_else(tmp_path: Path):
    result = _preflight("staging", tmp_path)
    assert result.returncode == 2
    assert "unknown stage 'staging'" in result.stderr and "STAGE=dev|prod" in result.stderr


@pytest.mark.parametrize(("target", "cdk_command"), [("deploy", "deploy Lumi-dev"), ("destroy", "destroy Lumi-dev")])
def test_make_runs_the_preflight_before_any_cdk_command(target: str, cdk_command: str):
    result = subprocess.run(
        ["make", "-n", target, "STAGE=dev"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    lines = result.stdout.splitlines()
    preflight = next(i for i, line in enumerate(lines) if "-m infra.deploy preflight --stage dev" in line)
    cdk = [i for i, line in enumerate(lines) if "npx --yes aws-cdk@" in line]
    assert cdk and preflight < min(cdk)
    assert any(cdk_command in lines[i] and "-c stage=dev" in lines[i] for i in cdk)


def test_the_app_url_comes_from_the_stack_outputs(tmp_path: Path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"Lumi-dev": {"AppUrl": "https://d111.cloudfront.net", "Other": "x"}}))
    assert app_url("dev", outputs) == "Lumi-dev is up: https://d111.cloudfront.net"
    outputs.write_text(json.dumps({"Lumi-dev": {"ApiUrl": "https://abc.lambda-url.eu-west-1.on.aws/"}}))
    assert app_url("dev", outputs).endswith(
        "no AppUrl output. Its outputs:\n  ApiUrl: https://abc.lambda-url.eu-west-1.on.aws/"
    )
