"""The realtime authorizer's rule and the IoT Core policy it becomes (pure: no tokens verified here)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest

from backend.local.lambda_context import LocalLambdaContext
from backend.realtime import authorizer
from backend.realtime.authorizer import Principal, allowed, policy_document
from backend.realtime.topics import service_client_id_prefix, service_subscriptions
from backend.settings import reset_settings

STAGE = "prod"
ANA = "0c6b1f2e-1111-4a4a-9a9a-aaaaaaaaaaaa"
BEN = "7d0e9c3b-2222-4b4b-8b8b-bbbbbbbbbbbb"
REL = "5f3a9e0c2b1d4e6f8a7b9c0d1e2f3a4b"
OTHER_REL = "aa3a9e0c2b1d4e6f8a7b9c0d1e2f3a4b"
FUTURE = int(time.time()) + 3600

ana = Principal("person", STAGE, ANA, REL, FUTURE)
unpaired = Principal("person", STAGE, BEN, None, FUTURE)
service = Principal("service", STAGE)


@pytest.mark.parametrize("action", ["subscribe", "publish", "receive"])
@pytest.mark.parametrize(
    "topic", [f"lumi/{STAGE}/u/{ANA}/notifications", f"lumi/{STAGE}/r/{REL}/presence", f"lumi/{STAGE}/r/{REL}/a/b"]
)
def test_a_person_may_use_their_own_and_their_couples_topics(action: str, topic: str) -> None:
    assert allowed(ana, action, topic)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["subscribe", "publish", "receive"])
@pytest.mark.parametrize(
    "topic",
    [
        f"lumi/{STAGE}/u/{BEN}/notifications",  # another person
        f"lumi/{STAGE}/r/{OTHER_REL}/presence",  # another couple
        f"lumi/{STAGE}/u/{ANA}x/notifications",  # an id that merely starts like ours
        f"lumi/{STAGE}/u/{ANA}/",  # nothing after the prefix
        f"lumi/{STAGE}/u/{ANA}",
        f"lumi/other/u/{ANA}/notifications",  # another stage
        f"lumi/{STAGE}/x/{ANA}/notifications",
        "",
        f"lumi/{STAGE}/u/{ANA}/a\x00b",
    ],
)
def test_a_person_may_not_use_anything_else(action: str, topic: str) -> None:
    assert not allowed(ana, action, topic)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "topic_filter",
    [
        f"lumi/{STAGE}/u/+/notifications",
        f"lumi/{STAGE}/r/+/#",
        f"lumi/{STAGE}/u/#",
        f"lumi/{STAGE}/#",
        "#",
        "+/+/+/+/+",
        f"lumi/+/u/{ANA}/notifications",
    ],
)
def test_wildcards_never_stand_for_an_id(topic_filter: str) -> None:
    assert not allowed(ana, "subscribe", topic_filter)


def test_wildcards_after_the_own_prefix_are_fine_for_filters_not_for_topics() -> None:
    assert allowed(ana, "subscribe", f"lumi/{STAGE}/u/{ANA}/#")
    assert allowed(ana, "subscribe", f"lumi/{STAGE}/r/{REL}/+")
    assert not allowed(ana, "publish", f"lumi/{STAGE}/u/{ANA}/#")
    assert not allowed(ana, "receive", f"lumi/{STAGE}/r/{REL}/+")


def test_without_a_partner_there_is_no_couple_topic() -> None:
    assert allowed(unpaired, "subscribe", f"lumi/{STAGE}/u/{BEN}/#")
    assert not allowed(unpaired, "subscribe", f"lumi/{STAGE}/r/{REL}/#")
    assert unpaired.topic_prefixes() == (f"lumi/{STAGE}/u/{BEN}/",)


def test_nothing_is_allowed_once_the_token_expired() -> None:
    expiring = Principal("person", STAGE, ANA, REL, 1_000)
    for action in ("connect", "subscribe", "publish", "receive"):
        topic = f"{ANA}-tab" if action == "connect" else f"lumi/{STAGE}/u/{ANA}/notifications"
        assert allowed(expiring, action, topic, now=999)  # type: ignore[arg-type]
        assert not allowed(expiring, action, topic, now=1_000)  # type: ignore[arg-type]


def test_a_person_connects_only_with_client_ids_of_their_own() -> None:
    assert allowed(ana, "connect", f"{ANA}-browser-1")
    assert not allowed(ana, "connect", f"{BEN}-browser-1")
    assert not allowed(ana, "connect", "lumi-service-1")
    assert not allowed(ana, "connect", ANA)
    assert not allowed(ana, "connect", "")


def test_the_service_may_use_everything_of_its_stage_only() -> None:
    for topic_filter in service_subscriptions(STAGE):
        assert allowed(service, "subscribe", topic_filter)
    assert allowed(service, "subscribe", f"lumi/{STAGE}/#")
    assert allowed(service, "publish", f"lumi/{STAGE}/u/{ANA}/notifications")
    assert allowed(service, "receive", f"lumi/{STAGE}/r/{REL}/presence")
    assert allowed(service, "connect", "lumi-service-123")
    assert not allowed(service, "subscribe", "lumi/other/#")
    assert not allowed(service, "subscribe", "#")
    assert not allowed(service, "publish", "elsewhere/x")


def test_unknown_actions_are_refused() -> None:
    assert not allowed(service, "delete", f"lumi/{STAGE}/u/{ANA}/x")  # type: ignore[arg-type]


def test_principal_ids_are_alphanumeric_as_iot_core_requires() -> None:
    assert ana.principal_id == "user" + ANA.replace("-", "")
    assert service.principal_id == "serviceprod"
    assert all(p.principal_id.isalnum() and len(p.principal_id) <= 128 for p in (ana, unpaired, service))


def test_policy_names_exactly_the_own_topics() -> None:
    document = policy_document(ana, "eu-west-1", "111122223333")
    arn = "arn:aws:iot:eu-west-1:111122223333"
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{ANA}-*"},
            {
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": [f"{arn}:topicfilter/lumi/prod/u/{ANA}/*", f"{arn}:topicfilter/lumi/prod/r/{REL}/*"],
            },
            {
                "Effect": "Allow",
                "Action": "iot:Publish",
                "Resource": [f"{arn}:topic/lumi/prod/u/{ANA}/*", f"{arn}:topic/lumi/prod/r/{REL}/*"],
            },
            {
                "Effect": "Allow",
                "Action": "iot:Receive",
                "Resource": [f"{arn}:topic/lumi/prod/u/{ANA}/*", f"{arn}:topic/lumi/prod/r/{REL}/*"],
            },
        ],
    }


@pytest.mark.parametrize("principal", [ana, unpaired, service], ids=["person", "unpaired", "service"])
def test_no_policy_lets_anyone_retain_a_message(principal: Principal) -> None:
    """A retained message goes to every later subscriber; nobody gets ``iot:RetainPublish``
    (or a wildcard that holds it), and the local broker refuses retained publishes to match."""
    document = policy_document(principal, "eu-west-1", "111122223333")
    actions = [statement["Action"] for statement in document["Statement"]]
    assert set(actions) <= {"iot:Connect", "iot:Publish", "iot:Receive", "iot:Subscribe"}
    assert not any("*" in action for action in actions)


def test_the_services_policy_is_exactly_the_app_servers_subscriptions() -> None:
    """In IoT Core only the app server connects as the service: it subscribes to
    ``service_subscriptions()`` and receives what they match; it publishes nothing (server
    code publishes through iot-data with IAM)."""
    arn = "arn:aws:iot:eu-west-1:111122223333"
    document = policy_document(service, "eu-west-1", "111122223333")
    granted = {(s["Action"], r) for s in document["Statement"] for r in _listed(s["Resource"])}
    filters = service_subscriptions(STAGE)
    expected = {("iot:Connect", f"{arn}:client/{service_client_id_prefix(STAGE)}*")}
    expected |= {("iot:Subscribe", f"{arn}:topicfilter/{topic_filter}") for topic_filter in filters}
    # each filter is "<levels>/+/#": what it matches is everything under <levels>/
    expected |= {("iot:Receive", f"{arn}:topic/{topic_filter.removesuffix('/+/#')}/*") for topic_filter in filters}
    assert all(topic_filter.endswith("/+/#") for topic_filter in filters)
    assert granted == expected
    assert document["Version"] == "2012-10-17"
    assert all(s["Effect"] == "Allow" for s in document["Statement"])


def _listed(resource: str | list[str]) -> list[str]:
    return [resource] if isinstance(resource, str) else resource


@pytest.mark.parametrize(
    ("topic_filter", "pattern"),
    [
        ("lumi/dev/u/+/#", "lumi/dev/u/*"),
        ("lumi/dev/r/+/chat", "lumi/dev/r/*"),
        ("lumi/dev/#", "lumi/dev/*"),
        ("lumi/dev/u/abc/notifications", "lumi/dev/u/abc/notifications"),
    ],
)
def test_what_a_filter_receives_is_everything_it_can_match(topic_filter: str, pattern: str) -> None:
    assert authorizer.receive_pattern(topic_filter) == pattern


def test_the_app_servers_client_ids_are_its_own() -> None:
    """No person's client id can start like the app server's (a person's starts with their UUID)."""
    prefix = service_client_id_prefix(STAGE)
    assert not allowed(ana, "connect", f"{prefix}host-1-abcd")
    assert not prefix.startswith(tuple("0123456789abcdef"))


def test_an_unpaired_persons_policy_has_no_couple_topic() -> None:
    document = policy_document(unpaired, "eu-west-1", "111122223333")
    resources = [r for s in document["Statement"][1:] for r in s["Resource"]]
    assert resources and all(f"/u/{BEN}/" in r for r in resources)


# ---------------------------------------------------------------- the Lambda handler (service principal: no sockets)

SECRET = "s3cret-for-tests-only"


@pytest.fixture
def service_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LUMI_STAGE", STAGE)
    monkeypatch.setenv("LUMI_REALTIME_SERVICE_SECRET", SECRET)
    reset_settings()
    yield SECRET
    monkeypatch.undo()
    reset_settings()


def iot_event(username: str, password: str | None, raw_password: str | None = None) -> dict[str, Any]:
    """What IoT Core hands a custom authorizer for an MQTT CONNECT (the password base64-encoded)."""
    mqtt: dict[str, Any] = {"username": username, "clientId": "lumi-service-1"}
    if raw_password is not None:
        mqtt["password"] = raw_password
    elif password is not None:
        mqtt["password"] = base64.b64encode(password.encode()).decode()
    return {
        "token": "",
        "signatureVerified": False,
        "protocols": ["tls", "mqtt"],
        "protocolData": {"tls": {"serverName": "example-ats.iot.eu-west-1.amazonaws.com"}, "mqtt": mqtt},
        "connectionMetadata": {"id": "e5b1a6f0-0000-4000-8000-000000000000"},
    }


def context() -> LocalLambdaContext:
    return LocalLambdaContext("lumi-prod-realtime-authorizer", region="eu-west-1")


def test_the_handler_grants_the_service_its_subscriptions(service_secret: str) -> None:
    answer = authorizer.handler(iot_event("lumi-service?x-amz-customauthorizer-name=lumi", service_secret), context())
    arn = "arn:aws:iot:eu-west-1:000000000000"
    assert answer == {
        "isAuthenticated": True,
        "principalId": "serviceprod",
        "disconnectAfterInSeconds": 86_400,
        "refreshAfterInSeconds": 86_400,
        "policyDocuments": [
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/lumi-prod-app-*"},
                    {
                        "Effect": "Allow",
                        "Action": "iot:Subscribe",
                        "Resource": [f"{arn}:topicfilter/lumi/prod/u/+/#", f"{arn}:topicfilter/lumi/prod/r/+/#"],
                    },
                    {
                        "Effect": "Allow",
                        "Action": "iot:Receive",
                        "Resource": [f"{arn}:topic/lumi/prod/u/*", f"{arn}:topic/lumi/prod/r/*"],
                    },
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    "event",
    [
        iot_event("lumi-service", "wrong secret"),
        iot_event("lumi-service", None),
        iot_event("lumi-service", None, raw_password=SECRET),  # not base64, as IoT Core would send it
        iot_event("lumi-service", None, raw_password="%%%"),
        iot_event("lumi-service", ""),
        {},
    ],
    ids=["wrong-secret", "no-password", "not-base64", "garbage-base64", "empty", "empty-event"],
)
def test_the_handler_refuses_bad_service_credentials(service_secret: str, event: dict[str, Any]) -> None:
    answer = authorizer.handler(event, context())
    assert answer["isAuthenticated"] is False and answer["policyDocuments"] == []


def test_without_a_configured_secret_nobody_is_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUMI_REALTIME_SERVICE_SECRET", "")
    reset_settings()
    try:
        assert authorizer.authenticate("lumi-service", "") is None
    finally:
        monkeypatch.undo()
        reset_settings()
