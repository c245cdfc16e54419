"""The HTTP adapter in front of a Lambda handler: real HTTP in, function-URL event to the
handler, the handler's answer back out as function URLs would send it.

The handler here is a small Powertools resolver of this test's own that echoes what it got.
"""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.shared.cookies import Cookie

from backend.local.http_adapter import LocalApiServer

echo = LambdaFunctionUrlResolver()
seen: dict[str, Any] = {}


@echo.route("/echo/<name>", method=["GET", "POST", "PUT", "PATCH", "DELETE"])
def echo_request(name: str) -> dict[str, Any]:
    event = echo.current_event
    context = echo.lambda_context
    return {
        "name": name,
        "method": event.request_context.http.method,
        "path": event.raw_path,
        "raw_query": event.raw_query_string,
        "query": event.query_string_parameters,
        "headers": dict(event.headers),
        "cookies": event.cookies,
        "body": event.body,
        "base64": event.is_base64_encoded,
        "source_ip": event.request_context.http.source_ip,
        "request_id": event.request_context.request_id,
        "context": {
            "function_name": context.function_name,
            "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
    }


@echo.post("/created")
def create() -> Response:
    return Response(
        status_code=201,
        content_type="application/json",
        body='{"created": true}',
        headers={"x-lumi": ["one", "two"]},
        cookies=[Cookie("session", "abc", http_only=True), Cookie("theme", "dark")],
    )


@echo.post("/mirror")
def mirror() -> Response:
    event = echo.current_event
    raw = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    return Response(status_code=200, content_type="application/octet-stream", body=raw)


@echo.get("/missing")
def missing() -> None:
    raise NotFoundError("no such moment")


@echo.get("/crash")
def crash() -> None:
    raise RuntimeError("boom")


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seen["event"] = event
    return echo.resolve(event, context)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalApiServer]:
    server = LocalApiServer(handler=echo_handler).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(server: LocalApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_request_becomes_a_function_url_event(http: httpx.Client) -> None:
    # when
    response = http.post(
        "/echo/alex?tag=a&tag=b&empty=&q=caf%C3%A9",
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "sid=1; theme=dark"), ("User-Agent", "lumi-test")],
        json={"hello": "partner"},
    )

    # then
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["name"] == "alex"
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/echo/alex"
    assert echoed["raw_query"] == "tag=a&tag=b&empty=&q=caf%C3%A9"
    assert echoed["query"] == {"tag": "a,b", "empty": "", "q": "café"}
    assert echoed["headers"]["x-multi"] == "one,two"
    assert echoed["headers"]["content-type"] == "application/json"
    assert "cookie" not in echoed["headers"]
    assert echoed["cookies"] == ["sid=1", "theme=dark"]
    assert echoed["body"] == '{"hello":"partner"}'
    assert echoed["base64"] is False
    assert echoed["source_ip"] == "127.0.0.1"

    event = seen["event"]
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/echo/alex"
    assert event["requestContext"]["http"] == {
        "method": "POST",
        "path": "/echo/alex",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "lumi-test",
    }
    assert event["requestContext"]["timeEpoch"] > 1_600_000_000_000
    assert event["requestContext"]["domainName"] == "127.0.0.1"
    assert all(key == key.lower() for key in event["headers"])


def test_context_looks_like_lambdas(http: httpx.Client) -> None:
    response = http.get("/echo/sam")

    context = response.json()["context"]
    assert context["function_name"] == "lumi-api"
    assert context["arn"].endswith(":function:lumi-api")
    assert context["memory"] > 0
    assert 0 < context["remaining_ms"] <= 30_000
    assert context["request_id"] == response.json()["request_id"] == response.headers["x-amzn-requestid"]


def test_get_without_body_or_query(http: httpx.Client) -> None:
    http.get("/echo/sam")

    event = seen["event"]
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False


def test_status_headers_and_cookies_come_back(http: httpx.Client) -> None:
    response = http.post("/created")

    assert response.status_code == 201
    assert response.json() == {"created": True}
    assert response.headers["x-lumi"] == "one, two"
    assert response.headers.get_list("set-cookie") == ["session=abc; HttpOnly; Secure", "theme=dark; Secure"]
    assert response.cookies["theme"] == "dark"


def test_binary_bodies_travel_base64_both_ways(http: httpx.Client) -> None:
    payload = bytes(range(256)) * 8

    response = http.post("/mirror", content=payload, headers={"content-type": "application/octet-stream"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == payload
    assert seen["event"]["isBase64Encoded"] is True
    assert base64.b64decode(seen["event"]["body"]) == payload


def test_text_bodies_that_are_not_utf8_are_sent_as_base64(http: httpx.Client) -> None:
    http.put("/echo/x", content=b"\xff\xfe latin", headers={"content-type": "text/plain"})

    assert seen["event"]["isBase64Encoded"] is True
    assert base64.b64decode(seen["event"]["body"]) == b"\xff\xfe latin"


def test_chunked_request_bodies_are_read_whole(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"part": '
        yield b'"one"}'

    response = http.post("/echo/chunked", content=chunks(), headers={"content-type": "application/json"})

    assert response.json()["body"] == '{"part": "one"}'


def test_unknown_route_and_handler_errors_keep_their_status(http: httpx.Client) -> None:
    assert http.get("/nowhere").status_code == 404
    assert http.get("/missing").status_code == 404
    assert http.get("/missing").json()["message"] == "no such moment"


def test_a_crashing_handler_is_a_logged_500(http: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: dict[str, Any], context: Any) -> Any:
        raise ValueError("the API has a bug")

    server = LocalApiServer(handler=broken).start()
    try:
        with caplog.at_level(logging.ERROR, logger="lumi.local.api"):
            response = httpx.get(f"{server.url}/anything", timeout=10)
    finally:
        server.stop()

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal"
    assert response.headers["x-amzn-requestid"] in error["message"]
    assert "the API has a bug" not in response.text
    assert any(r.exc_info and "the API has a bug" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ({"message": "hi"}, 200, b'{"message": "hi"}'),
        ("Hello, world!", 200, b'"Hello, world!"'),
        ({"statusCode": 204}, 204, b""),
        ({"statusCode": 302, "headers": {"Location": "/home"}}, 302, b""),
        (
            {"statusCode": 200, "multiValueHeaders": {"X-Many": ["a", "b"]}, "body": "ok"},
            200,
            b"ok",
        ),
    ],
    ids=["dict", "string", "no-content", "redirect", "multi-value-headers"],
)
def test_plain_results_are_read_like_function_urls_read_them(result: Any, status: int, body: bytes) -> None:
    server = LocalApiServer(handler=lambda event, context: result).start()
    try:
        response = httpx.get(f"{server.url}/", timeout=10, follow_redirects=False)
    finally:
        server.stop()

    assert response.status_code == status
    assert response.content == body
    if body and "statusCode" not in result:
        assert response.headers["content-type"] == "application/json"
    if "multiValueHeaders" in result:
        assert response.headers.get_list("x-many") == ["a", "b"]
    if status == 302:
        assert response.headers["location"] == "/home"


def test_listens_on_loopback_only(server: LocalApiServer, outside_address: str | None) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    if outside_address is None:
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((outside_address, server.port), timeout=1).close()


def test_stop_frees_the_port() -> None:
    server = LocalApiServer(handler=lambda event, context: {}).start()
    port = server.port
    server.stop()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
