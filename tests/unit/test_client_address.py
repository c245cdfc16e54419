"""Whose forwarded browser address the API believes: only the app server's.

In AWS the function URL authenticates every call with IAM and says who signed it in
``requestContext.authorizer.iam``; only a session of the app server's task role may choose
the address a budget is kept for. Events are built as Lambda hands them over.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.api.ratelimit import client_ip_of, signed_as_role
from backend.contracts import APP_SERVER_HEADER, CLIENT_IP_HEADER
from backend.settings import reset_settings
from tests.builders import function_url_event, iam_caller

ACCOUNT = "123456789012"
ROLE_NAME = "LumiDev-AppServerTaskRole1A2B3C-XYZ"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
APP_SERVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/6f1c2d3e4b5a4d7e9c8b7a6f5e4d3c2b"
SOURCE = "10.0.3.17"  # the NAT gateway's address, the same for every browser
BROWSER = "198.51.100.23"


@pytest.fixture(autouse=True)
def in_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API as infra/ configures it: the app server's role named, no secret, the local switch off."""
    monkeypatch.setenv("LUMI_APP_SERVER_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("LUMI_TRUSTED_CLIENT_IP_HEADER", "false")
    monkeypatch.setenv("LUMI_APP_SERVER_SECRET", "")
    reset_settings()
    yield
    reset_settings()


def login(iam: dict | None, **headers: str) -> dict:
    return function_url_event(
        "POST",
        "/auth/login",
        json={"login": "ana"},
        source_ip=SOURCE,
        headers={CLIENT_IP_HEADER: BROWSER, **headers},
        iam=iam,
    )


def test_the_app_servers_role_chooses_the_browsers_address() -> None:
    assert client_ip_of(login(iam_caller(APP_SERVER, ACCOUNT))) == BROWSER


def test_a_role_with_a_path_is_recognised_by_its_name() -> None:
    """Sessions of ``role/app/Name`` sign as ``assumed-role/Name/…``: the path is not in the caller's ARN."""
    assert signed_as_role(login(iam_caller(APP_SERVER)), f"arn:aws:iam::{ACCOUNT}:role/app/{ROLE_NAME}")


@pytest.mark.parametrize(
    "caller",
    [
        f"arn:aws:sts::{ACCOUNT}:assumed-role/LumiDev-ApiHandlerRole-XYZ/lumi-dev-api",  # another role of ours
        f"arn:aws:sts::999999999999:assumed-role/{ROLE_NAME}/session",  # the same name in another account
        f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/session",  # another partition
        f"arn:aws:iam::{ACCOUNT}:user/{ROLE_NAME}",  # an IAM user of that name
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}",  # no session: not what STS writes
        f"arn:aws:sts::{ACCOUNT}:federated-user/{ROLE_NAME}",
        f"arn:aws:iam::{ACCOUNT}:root",
        "",
    ],
)
def test_anyone_else_signed_in_with_iam_is_counted_by_source_address(caller: str) -> None:
    assert client_ip_of(login(iam_caller(caller, ACCOUNT))) == SOURCE


def test_a_call_without_an_iam_caller_is_counted_by_source_address() -> None:
    """What CloudFront's public paths bring (no app-server identity), or a local call without a secret."""
    assert client_ip_of(login(None)) == SOURCE


def test_the_local_secret_does_not_count_in_aws() -> None:
    """Without LUMI_TRUSTED_CLIENT_IP_HEADER (never set by infra/) a presented secret proves nothing."""
    assert client_ip_of(login(None, **{APP_SERVER_HEADER: ""})) == SOURCE
    assert (
        client_ip_of(login(iam_caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/s"), **{APP_SERVER_HEADER: "x"}))
        == SOURCE
    )


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "198.51.100.23, 10.0.0.1", "1" * 80])
def test_the_app_server_forwarding_no_single_address_is_counted_by_source(forwarded: str) -> None:
    event = login(iam_caller(APP_SERVER, ACCOUNT))
    event["headers"][CLIENT_IP_HEADER.lower()] = forwarded
    assert client_ip_of(event) == SOURCE


def test_with_no_role_named_even_the_app_servers_role_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUMI_APP_SERVER_ROLE_ARN", "")
    reset_settings()
    assert client_ip_of(login(iam_caller(APP_SERVER, ACCOUNT))) == SOURCE


def test_locally_the_secret_still_proves_the_app_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local adapter has no IAM in front: the local stack's rule (switch on + secret) stays."""
    monkeypatch.setenv("LUMI_APP_SERVER_ROLE_ARN", "")
    monkeypatch.setenv("LUMI_TRUSTED_CLIENT_IP_HEADER", "true")
    monkeypatch.setenv("LUMI_APP_SERVER_SECRET", "local-secret")
    reset_settings()
    assert client_ip_of(login(None, **{APP_SERVER_HEADER: "local-secret"})) == BROWSER
    assert client_ip_of(login(None, **{APP_SERVER_HEADER: "local-secreT"})) == SOURCE
