"""The local stand-in for the API's Lambda function URL.

Each HTTP request becomes a function-URL event (payload format 2.0) handed to the very
handler Lambda runs, and the handler's result becomes the HTTP response by the rules
function URLs apply, so the API behaves the same behind this adapter as in AWS.

Only the Reflex backend calls the API (the browser never does), so there is no CORS here.

Each invocation is one unit of the quiesce gate, taken after the one-at-a-time lock, so a
snapshot never holds half a request's writes and requests queued for the lock never hold
a save back.
"""

from __future__ import annotations

import base64
import collections
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from backend.local.lambda_context import ACCOUNT_ID, LocalLambdaContext
from backend.local.quiesce import GATE
from backend.local.services import HOST

log = logging.getLogger("lumi.local.api")

LambdaHandler = Callable[[dict[str, Any], Any], Any]

FUNCTION_NAME = "lumi-api"

# Bodies of these types reach the handler as text; everything else is base64, as in AWS.
_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
)


def _default_handler() -> LambdaHandler:
    from backend.api.app import handler

    return handler


def is_text_content(content_type: str | None) -> bool:
    if not content_type:
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith("+json")
        or media_type.endswith("+xml")
    )


def build_event(
    *,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    protocol: str = "HTTP/1.1",
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """A Lambda function-URL event (payload 2.0) for one HTTP request."""
    now = time.time() if now is None else now
    raw_path, _, raw_query = target.partition("?")
    raw_path = raw_path or "/"

    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value

    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value

    host = joined.get("host", HOST).split(":", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": request_id or str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body:
        if is_text_content(joined.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    return event


def to_http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Turn a handler's result into status, headers and body the way function URLs do."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # No statusCode: the whole result is the JSON body of a 200.
        return 200, [("content-type", "application/json")], json.dumps(result).encode("utf-8")

    status = int(result["statusCode"])
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        single = {k.lower() for k, _ in headers}
        if name.lower() in single:
            continue
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])

    raw_body = result.get("body")
    if raw_body is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw_body)
    elif isinstance(raw_body, str):
        body = raw_body.encode("utf-8")
    else:
        body = json.dumps(raw_body).encode("utf-8")

    if body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("content-type", "application/json"))
    return status, headers, body


def internal_error(request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    body = {
        "error": {
            "code": "internal",
            "message": f"Something went wrong on our side (request {request_id}).",
            "fields": {},
        }
    }
    return 500, [("content-type", "application/json")], json.dumps(body).encode("utf-8")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle plus the client's
    # delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: _ApiHttpServer

    def do_GET(self) -> None:
        self._invoke()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def __getattr__(self, name: str):  # the base class looks up do_<METHOD>
        """A function URL hands any method (TRACE, QUERY…) to the function, whose router answers it."""
        if name.startswith("do_"):
            return self._invoke
        raise AttributeError(name)

    def _invoke(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            body = self._read_body()
        except ValueError as error:
            self._send(400, [("content-type", "text/plain")], str(error).encode(), request_id)
            self.close_connection = True
            return
        event = build_event(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
            request_id=request_id,
        )
        try:
            result = self.server.invoke(event, request_id)
            status, headers, payload = to_http_response(result)
        except Exception:  # a crash in the API is a bug: logged loudly, answered with a 500
            log.exception("the API handler failed on %s %s (request %s)", self.command, self.path, request_id)
            status, headers, payload = internal_error(request_id)
        self._send(status, headers, payload, request_id)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise ValueError("malformed chunked body") from None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = self.headers.get("content-length")
        if not length:
            return b""
        try:
            return self.rfile.read(int(length))
        except ValueError:
            raise ValueError("malformed content-length") from None

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, request_id: str) -> None:
        self.send_response(status)
        skip = {"content-length", "connection", "transfer-encoding", "date", "server"}
        for name, value in headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("x-amzn-requestid", request_id)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class TurnLock:
    """A lock handed over in the order it was asked for.

    ``threading.Lock`` is not fair: with dozens of requests waiting for the one invocation (a
    page making its calls together, many tabs at once), an unlucky one could wait for seconds
    while later ones went first. Lambda would run them side by side; here they take turns.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._held = False

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the lock is ours when we are woken: release() hands it over

    def __exit__(self, *_: object) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


class _ApiHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops connections when many tabs beat at once (bench/realtime.py).
    request_queue_size = 128

    def __init__(self, port: int, handler: LambdaHandler | None, timeout_seconds: float, region: str) -> None:
        super().__init__((HOST, port), _RequestHandler)
        self._handler = handler
        self._timeout_seconds = timeout_seconds
        self._region = region
        # One invocation at a time, like one Lambda execution environment: Powertools keeps the
        # current event on the resolver *class*, so concurrent calls in one process would mix them up.
        self._invocation = TurnLock()

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        with self._invocation, GATE.unit():
            if self._handler is None:
                self._handler = _default_handler()
            context = LocalLambdaContext(
                FUNCTION_NAME, timeout_seconds=self._timeout_seconds, region=self._region, aws_request_id=request_id
            )
            return self._handler(event, context)


class LocalApiServer:
    """A threaded HTTP server on 127.0.0.1 in front of the API's Lambda handler."""

    def __init__(
        self,
        port: int = 0,
        handler: LambdaHandler | None = None,
        timeout_seconds: float = 30.0,
        region: str = "us-east-1",
    ) -> None:
        self._server = _ApiHttpServer(port, handler, timeout_seconds, region)
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LocalApiServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="lumi-api-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()


__all__ = ["FUNCTION_NAME", "LocalApiServer", "build_event", "is_text_content", "to_http_response"]
