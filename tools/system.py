"""Run the whole Lumi system on this machine: local stack, Reflex backend(s), static app.

Used by ``make dev`` (tools/dev.py) and by the e2e suite, so both run exactly the same
processes: ``python -m backend.local`` (emulated AWS, Redis, MQTT, API, pollers), one or
more ``reflex run --env prod --backend-only`` processes sharing Redis, and the exported
bundle served on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tools.app_build import ROOT, ensure_build, reflex_env
from tools.serve_app import AppServer


@dataclass
class SystemPorts:
    app: int = 3000
    # Where the browser reaches the Reflex backend (baked into the bundle).
    backend: int = 8000
    # Where the first Reflex process listens. None: on ``backend`` itself; another port when
    # something in front of several processes holds ``backend`` (the e2e suite's switch).
    first_backend: int | None = None
    # 0 lets the stack pick free ports (tests); make dev uses the stack's fixed defaults.
    stack: dict[str, int] = field(default_factory=dict)


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _wait_http(url: str, timeout: float, process: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what or url} exited with code {process.returncode} while starting")
        try:
            # Generous: the first request may import the whole API; a client giving up early
            # only leaves a broken-pipe traceback in the server's log.
            if httpx.get(url, timeout=5.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what or url} did not answer within {timeout:.0f}s")


@dataclass
class LumiSystem:
    ports: SystemPorts = field(default_factory=SystemPorts)
    seed: bool = False
    state_dir: Path = ROOT / ".lumi"
    log_dir: Path | None = None  # None: children write to this terminal
    # Where the stack keeps its data across restarts and crashes; None: in memory (e2e, tests).
    data_dir: Path | None = None
    # Extra LUMI_* settings for the stack process (the e2e suite raises the rate limits).
    stack_settings: dict[str, str] = field(default_factory=dict)
    # False for test harnesses: the test process's own LUMI_*/AWS_* (left by in-process
    # stacks of earlier tests) must not point this system at another stack's Redis or broker.
    inherit_settings: bool = True
    stack_env: dict[str, str] = field(default_factory=dict)
    _stack: subprocess.Popen | None = None
    _backends: dict[int, subprocess.Popen] = field(default_factory=dict)
    _app: AppServer | None = None

    @property
    def env_file(self) -> Path:
        return self.state_dir / "stack.env"

    @property
    def app_url(self) -> str:
        return f"http://localhost:{self.ports.app}"

    @property
    def outbox_url(self) -> str:
        """The local outbox's page (``messages.json`` beside it): codes and other e-mail the
        stack would have sent. Known once the system has started."""
        return self.stack_env["LUMI_OUTBOX_URL"]

    def backend_url(self, port: int | None = None) -> str:
        return f"http://localhost:{port or self.ports.backend}"

    def _output(self, name: str):
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return open(self.log_dir / f"{name}.log", "ab")  # the child process writes to it, and owns it

    def start(self) -> LumiSystem:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.env_file.exists():
            self.env_file.unlink()
        bundle = ensure_build(self.backend_url(), quiet=self.log_dir is not None)

        env = dict(self.base_env(), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", LUMI_APP_ORIGIN=self.app_url)
        env.update(self.stack_settings)
        for name, port in self.ports.stack.items():
            env[f"LUMI_LOCAL_{name.upper()}_PORT"] = str(port)
        command = [sys.executable, "-m", "backend.local", "--env-file", str(self.env_file)]
        if self.data_dir is not None:
            command += ["--data-dir", str(self.data_dir)]
        if self.seed:
            command.append("--seed")
        out = self._output("stack")
        self._stack = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 60
        while not self.env_file.exists():
            if self._stack.poll() is not None:
                raise RuntimeError(f"the local stack exited with code {self._stack.returncode} while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the local stack did not start within 60s")
            time.sleep(0.1)
        self.stack_env = read_env_file(self.env_file)
        _wait_http(f"{self.stack_env['LUMI_API_URL']}/health", 30, self._stack, "the API")

        self.start_backend(self.ports.first_backend or self.ports.backend)
        self._app = AppServer(bundle, self.ports.app)
        self._app.start()

    def base_env(self) -> dict[str, str]:
        if self.inherit_settings:
            return dict(os.environ)
        return {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}

    def start_backend(self, port: int) -> None:
        """Start one Reflex backend process; several share the same Redis state."""
        env = reflex_env(
            {
                **self.stack_env,
                "LUMI_APP_BACKEND_URL": self.backend_url(),
                "LUMI_APP_ORIGIN": self.app_url,
                "PYTHONUNBUFFERED": "1",
                # One worker per process is plenty locally; scale-out is tested with several processes.
                "GRANIAN_WORKERS": os.environ.get("GRANIAN_WORKERS", "1"),
            },
            base=self.base_env(),
        )
        command = [
            sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
            "--backend-host", "127.0.0.1", "--backend-port", str(port), "--loglevel", "warning",
        ]  # fmt: skip
        out = self._output(f"reflex-{port}")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
        self._backends[port] = process
        _wait_http(f"http://127.0.0.1:{port}/ping", 120, process, f"the Reflex backend on :{port}")

    def stop_backend(self, port: int) -> None:
        process = self._backends.pop(port, None)
        if process is not None:
            _terminate(process)

    def backend_running(self, port: int) -> bool:
        process = self._backends.get(port)
        return process is not None and process.poll() is None

    def listening(self) -> dict[str, str]:
        out = {"app": self.app_url}
        out.update({f"Reflex backend :{p}": self.backend_url(p) for p in self._backends})
        keys = {
            "API": "LUMI_API_URL",
            "AWS emulator": "LUMI_AWS_ENDPOINT_URL",
            "Redis": "LUMI_REDIS_URL",
            "MQTT": "LUMI_MQTT_URL",
            "MQTT websocket": "LUMI_MQTT_WS_URL",
            "Outbox": "LUMI_OUTBOX_URL",
        }
        out.update({label: self.stack_env[key] for label, key in keys.items() if key in self.stack_env})
        return out

    def alive(self) -> bool:
        processes = [self._stack, *self._backends.values()]
        return all(p is not None and p.poll() is None for p in processes)

    def stop(self) -> None:
        if self._app is not None:
            self._app.stop()
            self._app = None
        for port in list(self._backends):
            self.stop_backend(port)
        if self._stack is not None:
            _terminate(self._stack)
            self._stack = None


def _terminate(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a child and everything it started (each child leads its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
