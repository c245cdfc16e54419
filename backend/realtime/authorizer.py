"""Who may use which MQTT topics: the one rule, for IoT Core in AWS and the embedded broker locally.

A *person* connects with their Cognito access token as the MQTT password (verified exactly
as the API verifies it) and may use only ``lumi/{stage}/u/{own id}/…`` and
``lumi/{stage}/r/{own relationship}/…``; the relationship is looked up when they connect.
Nothing else: no wildcard in the id position, no other person or couple, nothing once the
token has expired, and only client ids that start with their own user id (IoT Core drops
an existing connection when another connects with the same client id, so nobody may take
another's). The *service* principal (the Reflex backend and server publishers) signs in as
``Settings.realtime_service_user`` with the service secret. On the local broker it may use
all of ``lumi/{stage}/`` (the local publisher and tests connect as it); in IoT Core only the
app server connects as it (server code publishes through ``iot-data`` with IAM), so its
policy allows exactly what the app server does: connect with a client id of
``service_client_id_prefix(stage)``, subscribe to the filters of ``service_subscriptions``
and receive what they match. Nothing else, no publish.

:func:`authenticate` and :func:`allowed` are the rule; :func:`handler` is the IoT Core
custom-authorizer Lambda that turns it into a policy of exact topic ARNs, and
``backend.local.broker_auth`` asks the same two functions for every connect, subscribe,
publish and delivery on the local broker.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from backend.realtime.topics import ROOT, couple_prefix, service_client_id_prefix, service_subscriptions, user_prefix
from backend.settings import Settings, get_settings

log = logging.getLogger("lumi.realtime.authorizer")

Action = Literal["connect", "subscribe", "publish", "receive"]
ACTIONS: tuple[Action, ...] = ("connect", "subscribe", "publish", "receive")

# IoT Core's bounds for disconnectAfterInSeconds and refreshAfterInSeconds.
MIN_CONNECTION_SECONDS = 300
MAX_CONNECTION_SECONDS = 86_400
# A person's policy is refreshed (the relationship looked up again) this often.
PERSON_REFRESH_SECONDS = 300

_IOT_ACTIONS: dict[Action, tuple[str, str]] = {
    "connect": ("iot:Connect", "client"),
    "subscribe": ("iot:Subscribe", "topicfilter"),
    "publish": ("iot:Publish", "topic"),
    "receive": ("iot:Receive", "topic"),
}


@dataclass(frozen=True)
class Principal:
    """Who holds an MQTT connection, as proven when it connected."""

    kind: Literal["person", "service"]
    stage: str
    user_id: str | None = None
    relationship_id: str | None = None
    expires_at: int | None = None  # epoch seconds; the service's credential does not expire

    @property
    def principal_id(self) -> str:
        """IoT Core wants ``[a-zA-Z0-9]{1,128}``."""
        raw = f"user{self.user_id}" if self.kind == "person" else f"service{self.stage}"
        return re.sub(r"[^A-Za-z0-9]", "", raw)[:128]

    def topic_prefixes(self) -> tuple[str, ...]:
        """Each topic or filter this principal may use starts with one of these (and has more after it)."""
        if self.kind == "service":
            return (f"{ROOT}/{self.stage}/",)
        assert self.user_id is not None
        prefixes = [user_prefix(self.stage, self.user_id)]
        if self.relationship_id:
            prefixes.append(couple_prefix(self.stage, self.relationship_id))
        return tuple(prefixes)

    def client_id_prefix(self) -> str:
        return "" if self.kind == "service" else f"{self.user_id}-"

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (time.time() if now is None else now) >= self.expires_at


def _safe_id(value: str | None) -> bool:
    """Ids put into topics and policies: no level separator, MQTT or policy wildcard, nothing empty."""
    return bool(value) and not any(ch in value for ch in "/+#*?\x00")  # type: ignore[operator]


def allowed(principal: Principal, action: Action, topic: str, now: float | None = None) -> bool:
    """May ``principal`` do ``action`` on ``topic`` (a topic filter for subscribe, a client id for connect)?"""
    if principal.expired(now) or action not in ACTIONS:
        return False
    if action == "connect":
        return bool(topic) and topic.startswith(principal.client_id_prefix()) and "\x00" not in topic
    if not topic or "\x00" in topic:
        return False
    if action != "subscribe" and ("+" in topic or "#" in topic):
        return False  # a concrete topic never holds wildcards
    return any(topic.startswith(prefix) and len(topic) > len(prefix) for prefix in principal.topic_prefixes())


# ---------------------------------------------------------------- authentication


@lru_cache(maxsize=4)
def _secret_from_secrets_manager(arn: str) -> str:
    from backend.aws import client

    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def service_secret(settings: Settings) -> str:
    """The service credential: from the environment locally, from Secrets Manager in AWS."""
    if settings.realtime_service_secret:
        return settings.realtime_service_secret
    arn = settings.realtime_service_secret_arn
    return _secret_from_secrets_manager(arn) if arn else ""


def authenticate(username: str, password: str, now: float | None = None) -> Principal | None:
    """The principal these MQTT credentials prove, or None (refused)."""
    from backend.domain.errors import DomainError

    settings = get_settings()
    if username == settings.realtime_service_user:
        secret = service_secret(settings)
        if secret and hmac.compare_digest(password.encode(), secret.encode()):
            return Principal("service", settings.stage)
        log.info("refused the service user: wrong secret")
        return None
    if not password:
        return None
    from backend.api.auth import verify_access_token
    from backend.store import users

    try:
        caller = verify_access_token(password)
        profile = users.get(caller.user_id)
    except DomainError as error:
        log.info("refused an MQTT connection: %s", error.message)
        return None
    if profile is None or not _safe_id(caller.user_id):
        return None
    if caller.token_expires_at <= (time.time() if now is None else now):
        return None  # the API's clock-skew leeway does not stretch a connection past expiry
    relationship_id = profile.relationship_id if _safe_id(profile.relationship_id) else None
    return Principal("person", settings.stage, caller.user_id, relationship_id, caller.token_expires_at)


# ---------------------------------------------------------------- IoT Core custom authorizer


def _arn(region: str, account: str, kind: str, resource: str) -> str:
    return f"arn:aws:iot:{region}:{account}:{kind}/{resource}"


def policy_document(principal: Principal, region: str, account: str) -> dict[str, Any]:
    """The IoT policy: for a person exactly what :func:`allowed` allows (``*`` is the policy wildcard);
    for the service exactly what the app server needs (:func:`service_policy_document`)."""
    if principal.kind == "service":
        return service_policy_document(principal.stage, region, account)
    statements = [
        {
            "Effect": "Allow",
            "Action": "iot:Connect",
            "Resource": _arn(region, account, "client", f"{principal.client_id_prefix()}*"),
        }
    ]
    prefixes = principal.topic_prefixes()
    for action in ("subscribe", "publish", "receive"):
        iot_action, kind = _IOT_ACTIONS[action]  # type: ignore[index]
        statements.append(
            {
                "Effect": "Allow",
                "Action": iot_action,
                "Resource": [_arn(region, account, kind, f"{prefix}*") for prefix in prefixes],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def receive_pattern(topic_filter: str) -> str:
    """The topic ARN pattern of what ``topic_filter`` matches: its levels before the first MQTT
    wildcard, then the policy's ``*`` (which spans levels, as ``+/#`` does there)."""
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if level in ("+", "#"):
            return "/".join(levels[:index]) + "/*"
    return topic_filter


def service_policy_document(stage: str, region: str, account: str) -> dict[str, Any]:
    """The app server's IoT policy: its client ids, the filters it subscribes to, what they deliver.

    In a topic filter resource ``+`` and ``#`` are plain characters, so ``topicfilter/lumi/dev/u/+/#``
    allows subscribing to exactly that filter.
    """
    filters = service_subscriptions(stage)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": _arn(region, account, "client", f"{service_client_id_prefix(stage)}*"),
            },
            {
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": [_arn(region, account, "topicfilter", topic_filter) for topic_filter in filters],
            },
            {
                "Effect": "Allow",
                "Action": "iot:Receive",
                "Resource": [_arn(region, account, "topic", receive_pattern(topic_filter)) for topic_filter in filters],
            },
        ],
    }


def _credentials(event: dict[str, Any]) -> tuple[str, str]:
    mqtt = (event.get("protocolData") or {}).get("mqtt") or {}
    # A client names the authorizer with ``?x-amz-customauthorizer-name=…`` after the username.
    username = str(mqtt.get("username") or "").split("?", 1)[0]
    try:
        password = base64.b64decode(str(mqtt.get("password") or ""), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        password = ""
    return username, password


def _refused() -> dict[str, Any]:
    return {"isAuthenticated": False, "principalId": "refused", "policyDocuments": []}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """IoT Core custom authorizer (signing disabled; MQTT username and password)."""
    username, password = _credentials(event)
    now = time.time()
    principal = authenticate(username, password, now=now)
    if principal is None:
        return _refused()
    if principal.expires_at is None:
        lifetime = MAX_CONNECTION_SECONDS
    else:
        lifetime = min(int(principal.expires_at - now), MAX_CONNECTION_SECONDS)
        if lifetime < MIN_CONNECTION_SECONDS:
            # IoT Core cannot cut a connection sooner; the client refreshes its token first.
            return _refused()
    _, _, _, region, account, *_ = str(context.invoked_function_arn).split(":")
    refresh = MAX_CONNECTION_SECONDS if principal.kind == "service" else PERSON_REFRESH_SECONDS
    return {
        "isAuthenticated": True,
        "principalId": principal.principal_id,
        "disconnectAfterInSeconds": lifetime,
        "refreshAfterInSeconds": min(refresh, lifetime),
        "policyDocuments": [policy_document(principal, region, account)],
    }


__all__ = [
    "ACTIONS",
    "Action",
    "Principal",
    "allowed",
    "authenticate",
    "handler",
    "policy_document",
    "receive_pattern",
    "service_policy_document",
    "service_secret",
]
