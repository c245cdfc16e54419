"""The app server's Dockerfile stays in step with the requirements and the Makefile.

Runs without Docker: it reads the files. (tests/integration/test_app_server_image.py runs
the Dockerfile's command.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dockerfile import ROOT, final_stage, ignore_patterns, ignored, requirement_files, stages

# requirements/ (the split by where things run) arrives with the packaging work of issue 14;
# until it is merged the Dockerfile names a file this tree does not have yet.
_SPLIT_PRESENT = (ROOT / "requirements").is_dir()
_needs_split = pytest.mark.skipif(not _SPLIT_PRESENT, reason="requirements/ (the split) is not in this tree yet")


def _pins(path) -> dict[str, str]:
    """name -> version of every ``name==version`` line, following ``-r other.txt``."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            pins.update(_pins(path.parent / line.split(None, 1)[1]))
        elif match := re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;]+)", line):
            pins[match.group(1).lower().replace("_", "-")] = match.group(3)
    return pins


def test_every_stage_is_pinned_by_tag_and_digest() -> None:
    for stage in stages():
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", stage.base), stage.base


def test_the_image_python_is_the_one_the_makefile_requires() -> None:
    makefile = (ROOT / "Makefile").read_text()
    required = re.search(r"sys\.version_info\[:2\] == \((\d+), (\d+)\)", makefile)
    assert required, "the Makefile no longer states the Python version it requires"
    for stage in stages():
        tag = re.match(r"python:(\d+)\.(\d+)", stage.base)
        assert tag, f"{stage.base} is not an official python image"
        assert tag.groups() == required.groups()


def test_the_server_runs_as_a_non_root_user_on_all_interfaces() -> None:
    stage = final_stage()
    assert stage.user and stage.user.split(":")[0] not in ("root", "0")
    assert stage.cmd is not None
    assert stage.cmd[stage.cmd.index("--backend-host") + 1] == "0.0.0.0"
    assert stage.cmd[stage.cmd.index("--backend-port") + 1] == "8000"
    assert stage.cmd[stage.cmd.index("--env") + 1] == "prod"
    assert "--backend-only" in stage.cmd


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_local_state() -> None:
    patterns = ignore_patterns()
    for stage in stages():
        for source, _ in stage.copies:
            assert not ignored(source, patterns), f".dockerignore keeps {source} from the build"
    for private in (".lumi/stack.env", ".venv/bin/python", ".web/reflex.json", "backend/local/stack.py", "tests/x.py"):
        assert ignored(private, patterns), f"{private} would be sent to the Docker daemon"


@_needs_split
def test_every_requirements_file_the_dockerfile_installs_exists() -> None:
    files = requirement_files()
    assert files, "the Dockerfile installs no requirements file"
    for name in files:
        assert (ROOT / name).is_file(), f"the Dockerfile copies {name}, which does not exist"
    # pip follows ``-r other.txt`` inside the image: each must be copied to the same place too.
    patterns = ignore_patterns()
    for name in files:
        for line in (ROOT / name).read_text().splitlines():
            if line.startswith(("-r ", "--requirement ")):
                included = (Path(name).parent / line.split(None, 1)[1].strip()).as_posix()
                assert included in files, f"{name} includes {included}, which the Dockerfile does not copy"
                assert not ignored(included, patterns), f".dockerignore keeps {included} from the build"


@_needs_split
def test_the_command_and_its_server_are_installed_by_those_requirements() -> None:
    pins: dict[str, str] = {}
    for name in requirement_files():
        pins.update(_pins(ROOT / name))
    stage = final_stage()
    assert stage.cmd is not None
    module = stage.cmd[stage.cmd.index("-m") + 1]
    assert module in pins, f"the CMD runs {module}, which the image's requirements do not install"
    # REFLEX_USE_GRANIAN makes Reflex serve with granian: the image must have it.
    if stage.env.get("REFLEX_USE_GRANIAN", "").lower() == "true":
        assert "granian" in pins
    # The image runs what the development venv runs: the same pins as the top-level file.
    everything = _pins(ROOT / "requirements.txt")
    for name, version in pins.items():
        if name in everything:
            assert everything[name] == version, f"{name}: {version} in the image, {everything[name]} for make dev"
