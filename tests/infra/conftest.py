"""Fixtures over the session's synthesized app (``tests.infra.synthesis``): ``dev``, ``prod``,
``each_stage`` (both, parametrized) and ``template_file`` (a template on disk, for cfn-lint)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.synthesis import STAGES, Synth, synth


@pytest.fixture(scope="session")
def dev() -> Synth:
    return synth("dev")


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synth("prod")


@pytest.fixture(scope="session", params=STAGES)
def each_stage(request: pytest.FixtureRequest) -> Synth:
    return synth(request.param)


@pytest.fixture(scope="session")
def template_file(tmp_path_factory: pytest.TempPathFactory):
    """Writes a synthesized template where cfn-lint can read it."""
    folder = tmp_path_factory.mktemp("templates")

    def write(synthesized: Synth) -> Path:
        path = folder / f"Lumi-{synthesized.stage}.template.json"
        path.write_text(json.dumps(synthesized.json, indent=1))
        return path

    return write
