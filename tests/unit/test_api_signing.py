"""The app server's SigV4 signatures, checked the way a function URL checks them.

A request goes through :class:`LambdaUrlSigner` over a real HTTP connection (a tiny server
on loopback records what arrives); the check recomputes the signature with botocore from
exactly what arrived (method, path, query, the headers named in SignedHeaders, the body)
and the credentials' secret, and compares the body's hash with x-amz-content-sha256.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials

from backend.api_signing import LambdaUrlSigner
from backend.contracts import ACCESS_TOKEN_HEADER, CLIENT_IP_HEADER, LoginRequest
from lumi_app.api_client import ApiError, LumiApi

KEYS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example")
REGION = "eu-west-1"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class Arrived:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def signature_problem(request: Arrived, credentials: Credentials = KEYS) -> str | None:
    """What a function URL would refuse about this request, or None when the signature holds."""
    match = _AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
    if match is None:
        return "no SigV4 Authorization header"
    if match["key"] != credentials.access_key:
        return "another access key"
    if request.headers.get("x-amz-content-sha256") != hashlib.sha256(request.body).hexdigest():
        return "x-amz-content-sha256 is not the body's hash"
    signed = match["signed"].split(";")
    if "x-amz-content-sha256" not in signed or "host" not in signed:
        return "the body hash or the host is not signed"
    try:
        headers = {name: request.headers[name] for name in signed}
    except KeyError as missing:
        return f"signed header {missing} did not arrive"
    url = f"http://{request.headers['host']}{request.target}"
    rebuilt = AWSRequest(method=request.method, url=url, headers=headers, data=request.body)
    rebuilt.context["timestamp"] = request.headers["x-amz-date"]
    checker = SigV4Auth(credentials, match["service"], match["region"])
    expected = checker.signature(checker.string_to_sign(rebuilt, checker.canonical_request(rebuilt)), rebuilt)
    return None if hmac.compare_digest(expected, match["signature"]) else "signature mismatch"


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    arrived: list[Arrived]
    answer: bytes = b'{"error": {"code": "invalid_credentials", "message": "Wrong login or password.", "fields": {}}}'

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.arrived.append(Arrived(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[tuple[str, list[Arrived]]]:
    arrived: list[Arrived] = []
    handler = type("Recorder", (_Recorder,), {"arrived": arrived})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", arrived
    server.shutdown()
    server.server_close()


def test_a_signed_post_carries_its_body_hash_and_a_signature_botocore_accepts(origin) -> None:
    url, arrived = origin
    # given a client signing for the function URL
    with httpx.Client(base_url=url, auth=LambdaUrlSigner(REGION, KEYS)) as client:
        # when it posts a body with the person's token and the browser's address
        client.post(
            "/auth/login?x=1&a=b c",
            json={"login": "ana", "password": "x1234567"},
            headers={ACCESS_TOKEN_HEADER: "Bearer abc", CLIENT_IP_HEADER: "198.51.100.7"},
        )
    # then what arrived is signed for lambda in the region, with the credentials' session token
    request = arrived[0]
    assert signature_problem(request) is None
    match = _AUTHORIZATION.fullmatch(request.headers["authorization"])
    assert match is not None and (match["service"], match["region"]) == ("lambda", REGION)
    assert request.headers["x-amz-security-token"] == KEYS.token
    # and the token, the browser's address and the body type cannot be changed on the way
    assert {"x-lumi-authorization", "x-lumi-client-ip", "content-type"} <= set(match["signed"].split(";"))


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT", "PATCH"])
def test_every_method_is_signed_with_its_body_hash(origin, method: str) -> None:
    url, arrived = origin
    with httpx.Client(base_url=url, auth=LambdaUrlSigner(REGION, KEYS)) as client:
        client.request(method, "/users/me/a%2Fb", content=b"" if method in ("GET", "DELETE") else b'{"a": 1}')
    assert signature_problem(arrived[0]) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: Arrived(r.method, r.target, r.headers, r.body + b" "),
        lambda r: Arrived(r.method, r.target, {**r.headers, "x-lumi-client-ip": "203.0.113.9"}, r.body),
        lambda r: Arrived(r.method, r.target.replace("login", "logout"), r.headers, r.body),
        lambda r: Arrived("PUT", r.target, r.headers, r.body),
    ],
    ids=["body", "forwarded-address", "path", "method"],
)
def test_a_changed_request_no_longer_matches_its_signature(origin, tamper) -> None:
    url, arrived = origin
    with httpx.Client(base_url=url, auth=LambdaUrlSigner(REGION, KEYS)) as client:
        client.post("/auth/login", json={"login": "ana"}, headers={CLIENT_IP_HEADER: "198.51.100.7"})
    assert signature_problem(arrived[0]) is None
    assert signature_problem(tamper(arrived[0])) is not None


def test_the_signature_needs_the_secret_key(origin) -> None:
    url, arrived = origin
    with httpx.Client(base_url=url, auth=LambdaUrlSigner(REGION, KEYS)) as client:
        client.get("/health")
    assert signature_problem(arrived[0], Credentials(KEYS.access_key, "another-secret")) == "signature mismatch"


async def test_the_app_client_signs_every_call_and_sends_the_token_beside_the_signature(origin) -> None:
    url, arrived = origin
    # given the app's API client as the app server makes it in AWS
    api = LumiApi(url, auth=LambdaUrlSigner(REGION, KEYS))
    try:
        # when it makes a call for a person and an auth call
        with pytest.raises(ApiError):
            await api.me("the-persons-token")
        with pytest.raises(ApiError) as refused:
            await api.login(LoginRequest(login="ana", password="x1234567"))
    finally:
        await api.aclose()
    # then both are signed, and the person's token is not in Authorization (the signature is)
    assert refused.value.code == "invalid_credentials"
    assert [signature_problem(request) for request in arrived] == [None, None]
    assert arrived[0].headers["x-lumi-authorization"] == "Bearer the-persons-token"


async def test_expiring_credentials_are_refreshed_before_signing(origin) -> None:
    url, arrived = origin
    issued: list[str] = []

    def fetch() -> dict[str, str]:
        """What the ECS credentials endpoint hands out: a new key each time (the first about to expire)."""
        issued.append(f"ASIAKEY{len(issued)}")
        lifetime = datetime.timedelta(minutes=5 if len(issued) == 1 else 60)
        expiry = datetime.datetime.now(datetime.UTC) + lifetime
        secret = f"secret{len(issued)}"
        return {"access_key": issued[-1], "secret_key": secret, "token": "t", "expiry_time": expiry.isoformat()}

    # given task-role credentials that are about to expire (botocore refreshes within 15 minutes)
    credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "container-role")
    api = LumiApi(url, auth=LambdaUrlSigner(REGION, credentials))
    try:
        with pytest.raises(ApiError):
            await api.health()
    finally:
        await api.aclose()
    # then the call was signed with the refreshed key, and the signature holds for it
    assert issued == ["ASIAKEY0", "ASIAKEY1"]
    assert arrived[0].headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=ASIAKEY1/")
    assert signature_problem(arrived[0], Credentials("ASIAKEY1", "secret2")) is None


def test_the_app_never_imports_boto3_or_botocore() -> None:
    """lumi_app stays a plain API client: the signer is handed to it, never imported by it."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import lumi_app\n"
        "for m in pkgutil.walk_packages(lumi_app.__path__, 'lumi_app.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in ('boto3', 'botocore', 'awscrt', 'awsiot') if n in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


async def test_the_app_signs_its_calls_when_the_settings_say_iam(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.settings import reset_settings
    from lumi_app.api_client import get_api, use_request_auth

    monkeypatch.setenv("LUMI_API_AUTH", "iam")
    reset_settings()
    try:
        # without a signer installed at start-up the app refuses to send unsigned calls
        use_request_auth(None)
        with pytest.raises(RuntimeError, match="no request signer"):
            get_api()
        # with one, every client it makes signs
        use_request_auth(lambda: LambdaUrlSigner(REGION, KEYS))
        assert isinstance(get_api()._http.auth, LambdaUrlSigner)
    finally:
        use_request_auth(None)
        reset_settings()
