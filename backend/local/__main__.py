"""``python -m backend.local``: run the whole local stack until Ctrl-C (or SIGTERM).

Fixed ports by default so the compiled app and other processes know where to connect;
each can be moved with a flag or ``LUMI_LOCAL_<NAME>_PORT``. The outbox's page (the e-mail
the stack would have sent) moves to a free port by itself when its own is taken. ``LUMI_REDIS_URL`` /
``LUMI_MQTT_URL`` in the environment point at an external Redis / broker instead of the
embedded ones. The endpoints chosen are written to the env file (``.lumi/stack.env``),
which every other process reads through ``backend.settings``; it is removed on exit.

With ``--data-dir`` the data survives restarts and crashes (``backend.local.snapshot``);
a data directory this stack cannot read stops it at start (exit code 3) with a message
saying what to do, rather than starting empty and overwriting it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from types import FrameType

from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.local.services import HOST, write_env_file

log = logging.getLogger("lumi.local")

PARTS = ("api", "mqtt", "pollers", "scheduler")
_NOISY_LOGGERS = ("werkzeug", "moto", "amqtt", "transitions", "websockets", "botocore", "urllib3", "httpx", "httpcore")


class LauncherSettings(BaseSettings):
    """How the stack itself is launched. Read from the process environment only, never from
    the env file: that file is this program's output, and reading it back would make a
    previous run's embedded Redis look like an external one."""

    model_config = SettingsConfigDict(env_prefix="LUMI_", env_file=None, extra="ignore")

    local_moto_port: int = 4566
    local_redis_port: int = 6390
    local_mqtt_port: int = 1884
    local_mqtt_ws_port: int = 8884
    local_api_port: int = 8081
    # The outbox's page (e-mail the stack would have sent); if taken, another free port.
    local_outbox_port: int = 8025
    redis_url: str | None = None
    mqtt_url: str | None = None
    # New accounts confirmed at once (true), or each asked for the code e-mailed to the outbox
    # (false), as in AWS; addresses at these domains (comma-separated) always get the code.
    auto_confirm_sign_up: bool = True
    local_sign_up_code_domains: str = ""
    # Where the app is served: the bucket's CORS and the Reflex backend's origin check allow it.
    app_origin: str = "http://localhost:3000"


def parse_args(argv: list[str] | None, defaults: LauncherSettings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backend.local", description="Run Lumi's local stack.")
    parser.add_argument("--seed", action="store_true", help="create two paired demo users and print their logins")
    parser.add_argument(
        "--data-dir", help="keep emulator, search and Redis data here across runs and crashes (default: memory only)"
    )
    parser.add_argument("--env-file", default=".lumi/stack.env", help="where to write the endpoints (%(default)s)")
    parser.add_argument("--moto-port", type=int, default=defaults.local_moto_port)
    parser.add_argument("--redis-port", type=int, default=defaults.local_redis_port)
    parser.add_argument("--mqtt-port", type=int, default=defaults.local_mqtt_port)
    parser.add_argument("--mqtt-ws-port", type=int, default=defaults.local_mqtt_ws_port)
    parser.add_argument("--api-port", type=int, default=defaults.local_api_port)
    parser.add_argument("--outbox-port", type=int, default=defaults.local_outbox_port)
    parser.add_argument("--without", action="append", choices=PARTS, default=[], help="leave a part out (repeatable)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return parser.parse_args(argv)


def _port_taken(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    launcher = LauncherSettings()
    args = parse_args(argv, launcher)
    _configure_logging(args.log_level)

    from backend.local.snapshot import SnapshotError
    from backend.local.stack import LocalStack, StackPorts

    ports = StackPorts(
        moto=args.moto_port,
        redis=args.redis_port,
        mqtt=args.mqtt_port,
        mqtt_ws=args.mqtt_ws_port,
        api=args.api_port,
        outbox=args.outbox_port,
    )
    wanted = {"moto": ports.moto}
    if not launcher.redis_url:
        wanted["redis"] = ports.redis
    if "mqtt" not in args.without and not launcher.mqtt_url:
        wanted |= {"mqtt": ports.mqtt, "mqtt-ws": ports.mqtt_ws}
    if "api" not in args.without:
        wanted["api"] = ports.api
    taken = [f"{name} {port}" for name, port in wanted.items() if port and _port_taken(port)]
    if taken:
        log.error(
            "ports in use on %s: %s. Is another stack running? Move them with --<name>-port or LUMI_LOCAL_<NAME>_PORT.",
            HOST,
            ", ".join(taken),
        )
        return 2

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack(
        ports=ports,
        redis_url=launcher.redis_url,
        mqtt_url=launcher.mqtt_url,
        with_api="api" not in args.without,
        with_mqtt="mqtt" not in args.without,
        with_pollers="pollers" not in args.without,
        with_scheduler="scheduler" not in args.without,
        data_dir=os.path.abspath(args.data_dir) if args.data_dir else None,
        app_origins=[launcher.app_origin, launcher.app_origin.replace("://localhost", "://127.0.0.1")],
        auto_confirm_sign_up=launcher.auto_confirm_sign_up,
        sign_up_code_domains=tuple(d.strip() for d in launcher.local_sign_up_code_domains.split(",") if d.strip()),
    )
    wrote_env_file = False
    try:
        try:
            stack.start()
        except SnapshotError as error:
            log.error("%s", error)
            return 3
        write_env_file(args.env_file, stack.env())
        wrote_env_file = True
        _print_banner(stack.listening(), args.env_file, stack.data_dir, stack.auto_confirm_sign_up)
        if args.seed:
            if not stack.with_api:
                log.error("--seed needs the API; it was left out")
            else:
                _seed(stack.env()["LUMI_API_URL"], stack.env()["LUMI_OUTBOX_URL"])
        log.info("ready; Ctrl-C stops everything")
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        if wrote_env_file:
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.env_file)
        log.info("stopped")
    return 0


def _print_banner(listening: dict[str, str], env_file: str, data_dir: str | None, auto_confirm: bool = True) -> None:
    width = max(len(name) for name in listening)
    lines = ["", "Lumi local stack", *(f"  {name:<{width}}  {url}" for name, url in listening.items())]
    lines.append(f"  {'env file':<{width}}  {os.path.abspath(env_file)}")
    kept = f"{data_dir} (saved every few seconds)" if data_dir else "in memory (gone when stopped)"
    lines.append(f"  {'data':<{width}}  {kept}")
    lines.append(f"  {'sign-up':<{width}}  {sign_up_mode(auto_confirm)}")
    print("\n".join(lines) + "\n", flush=True)


def sign_up_mode(auto_confirm: bool) -> str:
    """How new accounts are confirmed, in one line for the banners."""
    if auto_confirm:
        return "confirmed at once (LUMI_AUTO_CONFIRM_SIGN_UP=false asks for the e-mailed code, as in AWS)"
    return "asks for the code e-mailed on sign-up, as in AWS: read it in the outbox"


def _seed(api_url: str, outbox_url: str) -> None:
    from backend.local.seed import seed

    try:
        users = seed(api_url, outbox_url=outbox_url)
    except Exception:  # the stack is still useful without demo data; say why and keep running
        log.exception("seeding the demo users failed")
        return
    lines = ["Demo users (paired with each other):"]
    lines += [f"  {u.display_name:<6} login: {u.username} or {u.email}   password: {u.password}" for u in users]
    print("\n".join(lines) + "\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
