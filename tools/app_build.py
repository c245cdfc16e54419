"""Build the static app bundle (``reflex export --frontend-only``) once per source state.

The bundle bakes in where the browser finds the Reflex backend, so each backend URL gets
its own copy under ``.lumi/web/``. A build is reused while the app's sources, assets,
config and that URL are unchanged (a fingerprint file records them), which keeps
``make dev`` and the e2e suite from paying a 30-60 s export they do not need.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("lumi_app", "assets", "rxconfig.py", "requirements.txt", "backend/contracts.py")


def reflex_env(extra: dict[str, str] | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every reflex command runs with: our Node first, npm, no telemetry."""
    env = dict(os.environ if base is None else base)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env["REFLEX_USE_NPM"] = "1"
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env.setdefault("PYTHONPATH", str(ROOT))
    env.update(extra or {})
    return env


def fingerprint(backend_url: str) -> str:
    digest = hashlib.sha256(backend_url.encode())
    for name in SOURCES:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def ensure_build(backend_url: str, *, force: bool = False, quiet: bool = False) -> Path:
    """Return a directory holding the exported bundle for ``backend_url``, building if stale."""
    port = backend_url.rsplit(":", 1)[-1].strip("/")
    target = ROOT / ".lumi" / "web" / port
    stamp = target / ".fingerprint"
    wanted = fingerprint(backend_url)
    if not force and stamp.exists() and stamp.read_text() == wanted:
        return target

    if not quiet:
        print(f"building the app bundle for a backend at {backend_url} (reflex export)…", flush=True)
    command = [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--loglevel", "warning"]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=reflex_env({"LUMI_APP_BACKEND_URL": backend_url}),
        capture_output=quiet,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise RuntimeError(f"reflex export failed (exit {result.returncode}){detail[-4000:]}")
    built = ROOT / ".web" / "build" / "client"
    if not (built / "index.html").exists():
        raise RuntimeError(f"reflex export produced no {built / 'index.html'}")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(built, target)
    stamp.write_text(wanted)
    return target


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8000"
    print(ensure_build(url, force="--force" in sys.argv))
