"""The whole local stack: the session stack's parts answer where its env says, and
``python -m backend.local`` starts, writes its env file, keeps data in a data directory
across runs, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import paho.mqtt.client as mqtt
import pytest
import redis

from backend.local.services import free_port
from backend.local.stack import LocalStack

REPO = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def test_the_env_names_every_endpoint_and_each_answers(local_stack: LocalStack, stack_env: dict[str, str]) -> None:
    # every piece other processes need is named
    for key in (
        "LUMI_AWS_ENDPOINT_URL",
        "LUMI_TABLE_NAME",
        "LUMI_MEDIA_BUCKET",
        "LUMI_USER_POOL_ID",
        "LUMI_USER_POOL_CLIENT_ID",
        "LUMI_JWKS_URL",
        "LUMI_REDIS_URL",
        "LUMI_MQTT_URL",
        "LUMI_MQTT_WS_URL",
        "LUMI_API_URL",
        "LUMI_QUEUE_URL_NOTIFICATIONS",
    ):
        assert stack_env.get(key), key
    assert all("127.0.0.1" in url for name, url in local_stack.listening().items())

    # the emulator serves the provisioned table and the pool's signing keys
    jwks = httpx.get(stack_env["LUMI_JWKS_URL"], timeout=5).json()
    assert jwks["keys"][0]["kid"] == "dummy"
    from backend.aws import client

    assert client("dynamodb").describe_table(TableName=stack_env["LUMI_TABLE_NAME"])["Table"]["StreamSpecification"]

    # Redis answers
    assert redis.Redis.from_url(stack_env["LUMI_REDIS_URL"]).ping()

    # the broker takes websocket connections on the advertised URL (from the service principal:
    # the realtime authorizer refuses anonymous clients)
    ws = httpx.URL(stack_env["LUMI_MQTT_WS_URL"])
    connected = threading.Event()
    browser_like = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, transport="websockets")
    browser_like.ws_set_options(path=ws.path)
    browser_like.username_pw_set("lumi-service", stack_env["LUMI_REALTIME_SERVICE_SECRET"])

    def on_connect(client: mqtt.Client, userdata: Any, flags: Any, reason: mqtt.ReasonCode, props: Any) -> None:
        if not reason.is_failure:
            connected.set()

    browser_like.on_connect = on_connect
    browser_like.connect(ws.host, ws.port)
    browser_like.loop_start()
    try:
        assert connected.wait(5), "no successful CONNACK over the websocket"
    finally:
        browser_like.disconnect()
        browser_like.loop_stop()

    # the settings of this process point at the stack
    from backend.settings import get_settings

    assert get_settings().api_url == stack_env["LUMI_API_URL"]


def test_the_api_answers_through_the_adapter(api_url: str) -> None:
    pytest.importorskip("backend.api.app", reason="the API is written in parallel")

    response = httpx.get(f"{api_url}/health", timeout=10)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


# ------------------------------------------------------------------ the CLI


class StackProcess:
    """``python -m backend.local`` in a child process, on free ports, in a scratch directory."""

    def __init__(self, workdir: Path, data_dir: Path) -> None:
        self.workdir = workdir
        self.env_file = workdir / "stack.env"
        self.data_dir = data_dir
        self.log = workdir / f"stack-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}
        env["PYTHONPATH"] = str(REPO)
        for name in ("MOTO", "REDIS", "MQTT", "MQTT_WS", "API"):
            env[f"LUMI_LOCAL_{name}_PORT"] = str(free_port())
        args = [
            sys.executable,
            "-m",
            "backend.local",
            "--data-dir",
            str(self.data_dir),
            "--env-file",
            str(self.env_file),
        ]
        if not all(Path(REPO, p).exists() for p in ("backend/local/stream_poller.py", "backend/streams/handler.py")):
            args += ["--without", "pollers"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(args, cwd=self.workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: self.env_file.exists() or self.process.poll() is not None, what="the env file")
        assert self.process.poll() is None, self.log.read_text()
        return dict(line.split("=", 1) for line in self.env_file.read_text().splitlines() if "=" in line)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def aws(env: dict[str, str], service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=env["LUMI_AWS_ENDPOINT_URL"],
        region_name=env["LUMI_REGION"],
        aws_access_key_id="lumi-local",
        aws_secret_access_key="lumi-local",
    )


@pytest.fixture
def stack_processes(tmp_path: Path) -> Iterator[list[StackProcess]]:
    made: list[StackProcess] = []
    yield made
    for process in made:
        process.kill()


def test_cli_keeps_data_in_the_data_dir_across_runs(tmp_path: Path, stack_processes: list[StackProcess]) -> None:
    data_dir = tmp_path / "data"

    # given a first run in which a person signs up, a record, a file, a message and a Redis key are stored
    first = StackProcess(tmp_path, data_dir)
    stack_processes.append(first)
    env = first.start()
    assert env["LUMI_API_URL"].startswith("http://127.0.0.1:")
    aws(env, "dynamodb").put_item(
        TableName=env["LUMI_TABLE_NAME"], Item={"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}, "name": {"S": "Alex"}}
    )
    aws(env, "s3").put_object(Bucket=env["LUMI_MEDIA_BUCKET"], Key="private/u/1/avatar.png", Body=b"\x89PNG")
    cognito = aws(env, "cognito-idp")
    cognito.sign_up(ClientId=env["LUMI_USER_POOL_CLIENT_ID"], Username="alex@example.com", Password="lumi-demo-1")
    cognito.admin_confirm_sign_up(UserPoolId=env["LUMI_USER_POOL_ID"], Username="alex@example.com")
    # (on the dead-letter queue: the stack's sender consumes the notifications queue itself)
    dead_letters = env["LUMI_QUEUE_URL_NOTIFICATIONS"] + "-dlq"
    aws(env, "sqs").send_message(QueueUrl=dead_letters, MessageBody="later")
    redis.Redis.from_url(env["LUMI_REDIS_URL"]).set("lumi:test", "kept")

    # when it stops on SIGTERM and a second run starts on the same data directory
    assert first.stop() == 0
    assert not first.env_file.exists(), "the env file of a stopped stack must not linger"
    assert "stopped" in first.log.read_text()
    second = StackProcess(tmp_path, data_dir)
    stack_processes.append(second)
    env2 = second.start()

    # then everything is still there, under the same pool and client
    assert (env2["LUMI_USER_POOL_ID"], env2["LUMI_USER_POOL_CLIENT_ID"]) == (
        env["LUMI_USER_POOL_ID"],
        env["LUMI_USER_POOL_CLIENT_ID"],
    )
    item = aws(env2, "dynamodb").get_item(
        TableName=env2["LUMI_TABLE_NAME"], Key={"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}}
    )
    assert item["Item"]["name"] == {"S": "Alex"}
    body = aws(env2, "s3").get_object(Bucket=env2["LUMI_MEDIA_BUCKET"], Key="private/u/1/avatar.png")["Body"].read()
    assert body == b"\x89PNG"
    tokens = aws(env2, "cognito-idp").initiate_auth(
        ClientId=env2["LUMI_USER_POOL_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alex@example.com", "PASSWORD": "lumi-demo-1"},
    )["AuthenticationResult"]
    assert tokens["AccessToken"]
    messages = aws(env2, "sqs").receive_message(QueueUrl=env2["LUMI_QUEUE_URL_NOTIFICATIONS"] + "-dlq")["Messages"]
    assert [m["Body"] for m in messages] == ["later"]
    assert redis.Redis.from_url(env2["LUMI_REDIS_URL"]).get("lumi:test") == b"kept"
    assert second.stop() == 0


def test_cli_refuses_ports_already_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}
        env |= {"PYTHONPATH": str(REPO), "LUMI_LOCAL_MOTO_PORT": str(port)}

        result = subprocess.run(
            [sys.executable, "-m", "backend.local", "--env-file", str(tmp_path / "stack.env")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
        )

    assert result.returncode == 2
    assert f"moto {port}" in result.stderr.decode()
    assert not (tmp_path / "stack.env").exists()
