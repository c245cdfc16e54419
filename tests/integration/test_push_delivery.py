"""Delivering notifications, end to end on the session's full stack.

The sender runs where it runs in the stack: the queue poller calls
``backend.jobs.notifications.handler`` for every message on the ``notifications`` queue,
and the stream poller keeps the counts. The push service is the one thing outside the
system, so it is faked at its HTTP boundary: a small server on 127.0.0.1 that checks what a
real one checks (the VAPID token) and that decrypts the payload with the keys a browser
made, as the browser would. Live delivery is watched by an MQTT client signed in as the
service principal, as the Reflex backend is.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.aws import client
from backend.domain import notifications
from backend.domain.notifications import DeliveryRequest, notify
from backend.jobs.notifications import handler as sender
from backend.local.lambda_context import LocalLambdaContext
from backend.local.stack import LocalStack
from backend.push.webpush import MAX_ENCRYPTED_BYTES
from backend.realtime.publisher import PublishError
from backend.realtime.topics import Channel, user_topic
from backend.resources import RESOURCES, dead_letter_queue_name
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from backend.store import notifications as store
from tests.integration.conftest import Api, MakeCouple, Person, Register


@pytest.fixture
def stack(local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    """People live on the session's full stack (broker, pollers, sender), which may push to
    the test push service on loopback for the length of a test."""
    monkeypatch.setenv("LUMI_PUSH_ALLOW_LOOPBACK", "true")
    reset_settings()
    yield local_stack
    monkeypatch.undo()
    reset_settings()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def wait_until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------- the push service (outside, faked over HTTP)


@dataclass
class PushRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """Answers each endpoint with the statuses it was told, in turn (the last one repeats)."""

    def __init__(self) -> None:
        self.requests: list[PushRequest] = []
        self.answers: dict[str, list[int]] = {}
        self._changed = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with service._changed:
                    service.requests.append(
                        PushRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    answers = service.answers.get(self.path, [201])
                    status = answers.pop(0) if len(answers) > 1 else answers[0]
                    service._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def endpoint(self, *answers: int) -> str:
        path = f"/push/{uuid.uuid4().hex}"
        self.answers[path] = list(answers or (201,))
        return self.origin + path

    def received(self, endpoint: str) -> list[PushRequest]:
        path = endpoint.removeprefix(self.origin)
        with self._changed:
            return [r for r in self.requests if r.path == path]


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@dataclass
class Browser:
    """A browser's push subscription: its own P-256 key pair and auth secret, as PushManager makes them."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def to_json(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


def subscribe(api: Api, person: Person, endpoint: str) -> Browser:
    browser = Browser(endpoint)
    status, body = api.post("/push/subscriptions", browser.to_json(), token=person.access_token)
    assert status == 201, body
    return browser


def check_vapid(request: PushRequest, audience: str) -> dict[str, Any]:
    """What a push service checks: an ES256 JWT signed by the key in ``k``, for its own origin, not expired."""
    scheme, _, params = request.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(part.strip().split("=", 1) for part in params.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    assert jwt.get_unverified_header(parts["t"])["alg"] == "ES256"
    claims = jwt.decode(
        parts["t"], key=public, algorithms=["ES256"], audience=audience, options={"require": ["exp", "aud", "sub"]}
    )
    settings = get_settings()
    assert parts["k"] == settings.vapid_public_key
    assert claims["sub"] == settings.vapid_subject
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims


# ---------------------------------------------------------------- live delivery, watched over MQTT


class Listener:
    """The service principal subscribed to one person's notification topic."""

    def __init__(self, topic: str) -> None:
        settings = get_settings()
        self.topic = topic
        self.messages: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}")
        self.client.username_pw_set(settings.realtime_service_user, settings.realtime_service_secret)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        host, port = settings.mqtt_url.removeprefix("mqtt://").rsplit(":", 1)
        self.client.connect(host, int(port), keepalive=10)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert self._subscribed.wait(5), "no SUBACK"

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(json.loads(message.payload))
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0) -> list[dict]:
        with self._changed:
            assert self._changed.wait_for(lambda: condition(self.messages), timeout), f"got {self.messages}"
            return list(self.messages)

    def everything_so_far(self) -> list[dict[str, Any]]:
        """All messages published before now: a marker sent now arrives after them."""
        marker = uuid.uuid4().hex
        self.client.publish(self.topic, json.dumps({"type": "marker", "marker": marker}), qos=1).wait_for_publish(5)
        messages = self.wait_for(lambda got: any(m.get("marker") == marker for m in got))
        return [m for m in messages if m.get("type") != "marker"]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listen(stack: LocalStack) -> Iterator[Callable[[Person], Listener]]:
    listeners: list[Listener] = []

    def make(person: Person) -> Listener:
        listeners.append(Listener(user_topic(get_settings().stage, person.user_id, Channel.NOTIFICATIONS)))
        return listeners[-1]

    yield make
    for listener in listeners:
        listener.close()


def online(api: Api, person: Person) -> None:
    status, body = api.post(
        "/presence/heartbeat",
        {"connection_id": f"tab-{uuid.uuid4().hex}", "activity": "active"},
        token=person.access_token,
    )
    assert status == 200 and body["state"] == "online", body


def delivered(person: Person, notification_id: str) -> str:
    """How the sender delivered it (``live``, ``push``, ``none``), once it has."""
    key = keys.notification(person.user_id, notification_id)

    def final() -> str | None:
        delivery = (table.get(key) or {}).get("delivery")
        return None if delivery == "queued" else delivery  # "queued": still on its way

    return wait_until(final, what=f"delivery of {notification_id}")


def moment(person: Person, body: str = "Look what Ben added", category: str = "moments") -> str:
    return notify(person.user_id, category, "moment_added", "A new moment", body, "/moments/m1").notification_id


# ---------------------------------------------------------------- tests


def test_an_offline_person_gets_a_web_push_that_their_browser_can_decrypt(
    api: Api, register: Register, push_service: PushService, listen: Callable[[Person], Listener]
) -> None:
    # given an offline person with a subscribed browser
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(201))
    watcher = listen(ana)

    # when something happens for her
    notification_id = moment(ana)

    # then her browser's push service gets a VAPID-signed, aes128gcm-encrypted push
    assert delivered(ana, notification_id) == "push"
    (request,) = push_service.received(browser.endpoint)
    check_vapid(request, audience=push_service.origin)
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == str(get_settings().push_ttl_seconds)
    assert request.headers["topic"] == notification_id
    assert len(request.body) <= MAX_ENCRYPTED_BYTES
    assert browser.decrypt(request.body) == {
        "title": "A new moment",
        "body": "Look what Ben added",
        "link": "/moments/m1",
        "notification_id": notification_id,
        "category": "moments",
    }
    # and nothing went live, and it is stored all the same
    assert watcher.everything_so_far() == []
    status, stored = api.get(f"/notifications/{notification_id}", token=ana.access_token)
    assert status == 200 and stored["read"] is False


def test_an_online_person_gets_it_live_with_the_count_and_no_push(
    api: Api, register: Register, push_service: PushService, listen: Callable[[Person], Listener]
) -> None:
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(201))
    watcher = listen(ana)
    online(api, ana)

    notification_id = moment(ana)

    (message,) = watcher.wait_for(lambda got: len(got) >= 1)
    assert message["type"] == "notification"
    assert message["unread_count"] == 1
    assert message["notification"]["notification_id"] == notification_id
    assert message["notification"]["title"] == "A new moment" and message["notification"]["read"] is False
    assert delivered(ana, notification_id) == "live"
    assert push_service.received(browser.endpoint) == []


def test_marking_read_tells_the_other_tabs(api: Api, register: Register, listen: Callable[[Person], Listener]) -> None:
    ana = register("ana")
    notification_id = moment(ana)
    delivered(ana, notification_id)
    watcher = listen(ana)

    status, body = api.post("/notifications/read", {"all": True}, token=ana.access_token)

    assert (status, body) == (200, {"unread_count": 0})
    assert watcher.wait_for(lambda got: len(got) >= 1) == [{"type": "notifications_read", "unread_count": 0}]


def test_a_category_turned_off_is_stored_but_not_pushed(
    api: Api, register: Register, push_service: PushService
) -> None:
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(201))
    assert api.put("/notifications/settings", {"push": {"moments": False}}, token=ana.access_token)[0] == 200

    notification_id = moment(ana)

    assert delivered(ana, notification_id) == "none"
    assert push_service.received(browser.endpoint) == []
    assert api.get("/notifications/unread-count", token=ana.access_token) == (200, {"unread_count": 1})
    # another category still pushes
    other = moment(ana, category="music")
    assert delivered(ana, other) == "push"
    assert len(push_service.received(browser.endpoint)) == 1


@pytest.mark.parametrize("gone", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_removed(
    api: Api, register: Register, push_service: PushService, gone: int
) -> None:
    ana = register("ana")
    dead = subscribe(api, ana, push_service.endpoint(gone))
    alive = subscribe(api, ana, push_service.endpoint(201))

    notification_id = moment(ana)

    assert delivered(ana, notification_id) == "push"
    assert len(push_service.received(dead.endpoint)) == 1
    assert len(push_service.received(alive.endpoint)) == 1
    assert [s.endpoint for s in store.subscriptions_of(ana.user_id)] == [alive.endpoint]
    assert table.get(keys.push_endpoint_claim(store.endpoint_hash(dead.endpoint))) is None


def dead_letter(notification_id: str) -> dict[str, Any] | None:
    """The message for this notification on the dead-letter queue (taken off it), if it is there."""
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=dead_letter_queue_name(get_settings().stage, RESOURCES.queues[0]))["QueueUrl"]
    response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
    for message in response.get("Messages", []):
        if json.loads(message["Body"]).get("notification_id") == notification_id:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return message
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return None


def test_a_failing_push_service_is_retried_then_the_message_is_dead_lettered(
    api: Api, register: Register, push_service: PushService
) -> None:
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(500))

    notification_id = moment(ana)

    message = wait_until(lambda: dead_letter(notification_id), timeout=20, what="the dead letter")
    assert json.loads(message["Body"]) == {"notification_id": notification_id, "recipient_id": ana.user_id}
    assert len(push_service.received(browser.endpoint)) == RESOURCES.queues[0].max_receive_count == 3
    assert [s.endpoint for s in store.subscriptions_of(ana.user_id)] == [browser.endpoint]
    # stored all the same, and never marked delivered
    assert api.get(f"/notifications/{notification_id}", token=ana.access_token)[0] == 200
    assert "delivery" not in (table.get(keys.notification(ana.user_id, notification_id)) or {})


def test_a_retry_pushes_only_to_the_devices_that_missed_it(
    api: Api, register: Register, push_service: PushService
) -> None:
    # given a phone that takes the push and a laptop whose push service fails once
    ana = register("ana")
    phone = subscribe(api, ana, push_service.endpoint(201))
    laptop = subscribe(api, ana, push_service.endpoint(503, 201))

    notification_id = moment(ana)

    # then the retry reaches the laptop and does not buzz the phone again
    assert delivered(ana, notification_id) == "push"
    assert len(push_service.received(laptop.endpoint)) == 2
    assert len(push_service.received(phone.endpoint)) == 1


def deliver_again(person: Person, notification_id: str) -> dict[str, Any]:
    """Hand the sender the same message again, as SQS may (at-least-once delivery)."""
    body = DeliveryRequest(notification_id=notification_id, recipient_id=person.user_id).model_dump_json()
    record = {"messageId": uuid.uuid4().hex, "receiptHandle": "r", "body": body, "attributes": {},
              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
              "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q", "awsRegion": "us-east-1"}  # fmt: skip
    return sender({"Records": [record]}, LocalLambdaContext("notification-sender"))


def test_a_message_delivered_twice_pushes_once(api: Api, register: Register, push_service: PushService) -> None:
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(201))
    notification_id = moment(ana)
    assert delivered(ana, notification_id) == "push"

    assert deliver_again(ana, notification_id) == {"batchItemFailures": []}

    assert len(push_service.received(browser.endpoint)) == 1


def test_an_online_person_gets_it_live_from_the_request_and_a_stray_message_changes_nothing(
    api: Api, register: Register, listen: Callable[[Person], Listener], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Ana online, listening on her notifications topic (and every delivery queued is seen)
    queued: list[str] = []
    enqueue = notifications._enqueue
    monkeypatch.setattr(
        notifications, "_enqueue", lambda request: (queued.append(request.notification_id), enqueue(request))
    )
    ana = register("ana")
    watcher = listen(ana)
    online(api, ana)

    # when she is notified, then it went live from the request itself, counted, and was not queued
    notification_id = moment(ana)
    assert delivered(ana, notification_id) == "live"
    (message,) = watcher.everything_so_far()
    assert message["type"] == "notification" and message["unread_count"] == 1
    assert queued == []

    # when a message for it reaches the sender all the same (sent twice, replayed)
    assert deliver_again(ana, notification_id) == {"batchItemFailures": []}
    assert deliver_again(ana, notification_id) == {"batchItemFailures": []}

    # then nothing more reaches her and the count stays one
    assert [m["type"] for m in watcher.everything_so_far()] == ["notification"]
    assert table.get(keys.unread_counter(ana.user_id))["unread_count"] == 1
    records = table.query_all(("pk", keys.idempotency_partition("notification-sender")), ("sk", "notification-sender."))
    (record,) = [item for item in records if notification_id in str(item.get("data"))]
    assert record["status"] == "COMPLETED" and json.loads(record["data"])["reason"] == "delivered live already"


def test_a_huge_body_still_fits_in_one_push(api: Api, register: Register, push_service: PushService) -> None:
    ana = register("ana")
    browser = subscribe(api, ana, push_service.endpoint(201))

    notification_id = moment(ana, body="💛" * 50_000)

    assert delivered(ana, notification_id) == "push"
    (request,) = push_service.received(browser.endpoint)
    assert len(request.body) <= MAX_ENCRYPTED_BYTES
    payload = browser.decrypt(request.body)
    assert payload["notification_id"] == notification_id and payload["link"] == "/moments/m1"
    assert payload["body"].startswith("💛💛💛") and payload["body"].endswith("…")


def test_thinking_of_you_reaches_the_partner(api: Api, couple: MakeCouple, push_service: PushService) -> None:
    ana, ben, _ = couple()
    browser = subscribe(api, ben, push_service.endpoint(201))

    status, sent = api.post("/nudges", token=ana.access_token)

    assert status == 202, sent
    assert delivered(ben, sent["notification_id"]) == "push"
    # (the stream may also push Ben "You and Ana are a pair", made as they paired: not this one)
    payloads = [browser.decrypt(request.body) for request in push_service.received(browser.endpoint)]
    (payload,) = [p for p in payloads if p["notification_id"] == sent["notification_id"]]
    assert payload["title"] == f"{ana.display_name} is thinking of you"
    assert (payload["category"], payload["link"]) == ("partner", "/home")


class RefusingPublisher:
    """The broker not taking a message (down, or no acknowledgement in time)."""

    def publish(self, topic: str, message: Any) -> None:
        raise PublishError("the broker did not acknowledge")

    def close(self) -> None:
        return None


def test_an_online_person_whose_live_message_was_refused_gets_it_through_the_queue_once(
    api: Api, register: Register, listen: Callable[[Person], Listener], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Ana online, and the request's live message refused by the broker
    ana = register("ana")
    watcher = listen(ana)
    online(api, ana)
    monkeypatch.setattr(notifications, "get_publisher", RefusingPublisher)

    # when she is notified
    notification_id = moment(ana)

    # then the queue's sender delivers it live after all, once, with the count of one
    assert delivered(ana, notification_id) == "live"
    messages = watcher.wait_for(lambda got: len(got) >= 1)
    assert [(m["type"], m["unread_count"]) for m in watcher.everything_so_far()] == [("notification", 1)], messages
    assert table.get(keys.unread_counter(ana.user_id))["unread_count"] == 1
