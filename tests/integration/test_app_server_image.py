"""The app server's container command, run here as the image would run it.

The image's WORKDIR is laid out from the Dockerfile's COPY instructions (minus
``.dockerignore``) in a temporary directory, so a module the image leaves out fails here;
the CMD and ENV are the Dockerfile's own, with three differences that only concern this
machine: the interpreter is this venv's (a superset of the app server's requirements),
it listens on 127.0.0.1 and a free port instead of 0.0.0.0:8000, and the settings are the
session's local stack's (in AWS the task definition gives them).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx

from tests.dockerfile import build_context_copy, final_stage
from tools.system import _terminate, _wait_http


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _local_command(cmd: list[str], port: int) -> list[str]:
    """The CMD with this venv's python, bound to 127.0.0.1:``port`` (the container binds 0.0.0.0:8000)."""
    assert cmd[0] == "python", f"the CMD runs {cmd[0]!r}; this test knows how to run 'python' only"
    command = [sys.executable, *cmd[1:]]
    for flag, value in (("--backend-host", "127.0.0.1"), ("--backend-port", str(port))):
        assert flag in command, f"the CMD must say {flag}"
        command[command.index(flag) + 1] = value
    return command


def _image_env(env: dict[str, str], workdir: Path) -> dict[str, str]:
    """The Dockerfile's ENV, with the image's paths turned into this machine's."""
    out = dict(env)
    out["PATH"] = out.get("PATH", "$PATH").replace("/opt/venv/bin", str(Path(sys.executable).parent))
    out["PATH"] = out["PATH"].replace("$PATH", "/usr/bin:/bin")
    if out.get("PYTHONPATH") == final_stage().workdir:
        out["PYTHONPATH"] = str(workdir)
    return out


def test_the_dockerfile_command_serves_the_app_backend(stack_env: dict[str, str], tmp_path: Path) -> None:
    # given the image's files and the Dockerfile's command and environment
    stage = final_stage()
    assert stage.cmd is not None, "the final stage has no CMD"
    assert stage.cmd[stage.cmd.index("--backend-host") + 1] == "0.0.0.0", "the container must listen on all interfaces"
    workdir = build_context_copy(tmp_path / "image")
    port = _free_port()
    env = {
        "HOME": str(tmp_path / "home"),
        **_image_env(stage.env, workdir),
        **{k: v for k, v in stack_env.items() if k.startswith("LUMI_")},
        "LUMI_APP_ORIGIN": "http://localhost:3000",
    }

    # when it runs
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        _local_command(stage.cmd, port), cwd=workdir, env=env, stdout=log, stderr=log, start_new_session=True
    )
    try:
        try:
            _wait_http(f"http://127.0.0.1:{port}/ping", 120, process, "the app server")
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}\n{(tmp_path / 'server.log').read_text()[-4000:]}") from error

        # then it answers Reflex's ping and its health check finds the local stack's Redis
        ping = httpx.get(f"http://127.0.0.1:{port}/ping", timeout=10)
        health = httpx.get(f"http://127.0.0.1:{port}/_health", timeout=10)
    finally:
        _terminate(process)
        log.close()
    assert ping.status_code == 200 and ping.json() == "pong"
    assert health.status_code == 200, health.text
    assert health.json() == {"status": True, "redis": True}
