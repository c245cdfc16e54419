"""Read the app server's Dockerfile the way Docker does, for the tests that keep it honest.

Only what Lumi's Dockerfile uses: ``FROM``, ``ENV`` (``KEY=value`` pairs), ``COPY`` (with
``--from``/``--chown``), ``WORKDIR``, ``USER``, ``CMD`` in exec form, and ``.dockerignore``
patterns with ``!`` exceptions. Continuation lines and comments are handled.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # (source, destination) of COPY instructions from the build context (not --from=stage).
    copies: list[tuple[str, str]] = field(default_factory=list)
    workdir: str = "/"
    user: str | None = None
    cmd: list[str] | None = None


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    result: list[Stage] = []
    for word, rest in instructions(path.read_text()):
        if word == "FROM":
            parts = rest.split()
            result.append(Stage(base=parts[0], name=parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None))
            continue
        stage = result[-1]
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                stage.env[key] = value
        elif word == "COPY":
            args = shlex.split(rest)
            flags = [a for a in args if a.startswith("--")]
            paths = [a for a in args if not a.startswith("--")]
            if not any(f.startswith("--from=") for f in flags):
                stage.copies.extend((source, paths[-1]) for source in paths[:-1])
        elif word == "WORKDIR":
            stage.workdir = rest
        elif word == "USER":
            stage.user = rest
        elif word == "CMD":
            stage.cmd = json.loads(rest)
    return result


def final_stage(path: Path = DOCKERFILE) -> Stage:
    return stages(path)[-1]


def requirement_files(path: Path = DOCKERFILE) -> list[str]:
    """Every requirements file a stage copies in (``requirements/…``, ``requirements.txt``)."""
    return [
        source
        for stage in stages(path)
        for source, _ in stage.copies
        if source.startswith("requirements") and source.endswith(".txt")
    ]


def ignore_patterns(root: Path = ROOT) -> list[str]:
    path = root / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes; a directory pattern
    covers what is under it; ``**/`` matches any depth."""
    result = False
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        candidates = [body, body.removeprefix("**/")] if body.startswith("**/") else [body]
        hit = False
        for candidate in candidates:
            for prefix in prefixes:
                if fnmatch.fnmatchcase(prefix, candidate):
                    hit = True
            if body.startswith("**/") and any(fnmatch.fnmatchcase(part, candidate) for part in parts):
                hit = True
        if hit:
            result = not negate
    return result


def build_context_copy(target: Path, root: Path = ROOT, path: Path = DOCKERFILE) -> Path:
    """Lay out the final stage's WORKDIR as the image would hold it: each COPY from the build
    context, minus what ``.dockerignore`` keeps from the daemon. Returns the WORKDIR copy."""
    stage = final_stage(path)
    patterns = ignore_patterns(root)
    workdir = target / stage.workdir.strip("/")
    workdir.mkdir(parents=True, exist_ok=True)
    for source, destination in stage.copies:
        origin = root / source
        dest = workdir / destination if not destination.endswith("/") else workdir / destination / origin.name
        if destination in ("./", "."):
            dest = workdir / origin.name
        files = [origin] if origin.is_file() else sorted(p for p in origin.rglob("*") if p.is_file())
        for file in files:
            relative = file.relative_to(root).as_posix()
            if ignored(relative, patterns):
                continue
            out = dest if origin.is_file() else dest / file.relative_to(origin)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, out)
    return workdir
