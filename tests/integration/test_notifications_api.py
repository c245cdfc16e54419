"""Notifications through the API: lists and pages, marking read, who may see what, the exact
unread count (also when stream records come twice or out of order), settings, push
subscriptions, nudges, and what goes when an account or a couple does.

Runs on the API test stack without pollers: tests drain the stream when cascades and the
counter should have run. Nothing is delivered here (no sender polls this stage's queue);
delivery is tested in ``test_push_delivery.py``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from backend.aws import client
from backend.domain.errors import Unavailable
from backend.domain.models import Notification
from backend.domain.notifications import notify
from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from backend.settings import get_settings, reset_settings
from backend.store import keys, table
from backend.store import notifications as store
from backend.streams.handler import handler as stream_handler
from tests.builders import stream_event, stream_record
from tests.integration.conftest import Api, MakeCouple, Person, Register

FCM = "https://fcm.googleapis.com/fcm/send/"
# A browser's push keys (an uncompressed P-256 point and a 16-byte secret), base64url.
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def make(person: Person, count: int, category: str = "moments") -> list[str]:
    """``count`` notifications for ``person``, oldest first; returns their ids."""
    return [
        notify(person.user_id, category, "moment_added", f"Moment {n}", f"body {n}", f"/moments/{n}").notification_id
        for n in range(count)
    ]


def store_only(person: Person, count: int) -> list[str]:
    """Many notifications quickly: stored as ``notify`` stores them, without queueing deliveries."""
    ids = []
    for n in range(count):
        notification_id, created_at = store.new_notification_id()
        store.add(Notification(notification_id, person.user_id, "music", "song", f"Song {n}", "", "/music", created_at))
        ids.append(notification_id)
    return ids


def unread(api: Api, person: Person) -> int:
    status, body = api.get("/notifications/unread-count", token=person.access_token)
    assert status == 200, body
    return body["unread_count"]


def listing(api: Api, person: Person, which: str = "all", limit: int = 20, next_token: str | None = None) -> Any:
    query = {"filter": which, "limit": str(limit)}
    if next_token:
        query["next"] = next_token
    status, body = api.get("/notifications", token=person.access_token, query=query)
    assert status == 200, body
    return body


def mark(api: Api, person: Person, ids: list[str] | None = None, everything: bool = False) -> tuple[int, Any]:
    body: dict[str, Any] = {"all": True} if everything else {"notification_ids": ids or []}
    return api.post("/notifications/read", body, token=person.access_token)


# ---------------------------------------------------------------- lists and pages


def test_forty_five_notifications_come_newest_first_in_pages_of_twenty(
    api: Api, register: Register, stream: StreamPoller
) -> None:
    # given 45 notifications
    ana = register("ana")
    ids = make(ana, 45)
    stream.drain()

    # when the list is read page by page
    pages, token = [], None
    while True:
        page = listing(api, ana, limit=20, next_token=token)
        pages.append(page)
        token = page["next"]
        if token is None:
            break

    # then 20 + 20 + 5, newest first, every one exactly once, with the exact unread count
    assert [len(p["items"]) for p in pages] == [20, 20, 5]
    listed = [item for p in pages for item in p["items"]]
    assert [item["notification_id"] for item in listed] == list(reversed(ids))
    created = [item["created_at"] for item in listed]
    assert created == sorted(created, reverse=True)
    assert all(p["unread_count"] == 45 for p in pages)
    assert listed[0] == {
        "notification_id": ids[-1],
        "category": "moments",
        "kind": "moment_added",
        "title": "Moment 44",
        "body": "body 44",
        "link": "/moments/44",
        "created_at": listed[0]["created_at"],
        "read": False,
    }
    assert "USER#" not in (pages[0]["next"] or "")  # the token is opaque


def test_the_unread_filter_pages_through_the_sparse_index(api: Api, register: Register, stream: StreamPoller) -> None:
    ana = register("ana")
    ids = make(ana, 25)
    stream.drain()
    # every even one is read
    assert mark(api, ana, ids[0::2])[0] == 200

    first = listing(api, ana, "unread", limit=10)
    second = listing(api, ana, "unread", limit=10, next_token=first["next"])
    assert second["next"] is None
    listed = [i["notification_id"] for i in first["items"] + second["items"]]
    assert listed == list(reversed(ids[1::2]))
    assert not any(i["read"] for i in first["items"] + second["items"])
    assert first["unread_count"] == 12


def test_page_tokens_only_work_for_their_owner_and_filter(api: Api, register: Register) -> None:
    ana, ben = register("ana"), register("ben")
    make(ana, 3)
    token = listing(api, ana, limit=1)["next"]
    unread_token = listing(api, ana, "unread", limit=1)["next"]
    assert token and unread_token

    for who, which, bad in [(ben, "all", token), (ana, "unread", token), (ana, "all", unread_token), (ana, "all", "x")]:
        status, body = api.get(
            "/notifications", token=who.access_token, query={"filter": which, "next": bad, "limit": "1"}
        )
        assert status == 422, body
        assert "next" in body["error"]["fields"]

    status, body = api.get("/notifications", token=ana.access_token, query={"filter": "read"})
    assert status == 422 and "filter" in body["error"]["fields"]


# ---------------------------------------------------------------- marking and counting


def test_the_unread_count_is_exact_after_marking_one_several_and_all(
    api: Api, register: Register, stream: StreamPoller
) -> None:
    ana = register("ana")
    ids = make(ana, 6)
    assert unread(api, ana) == 0  # counted by the stream, which has not run yet
    stream.drain()
    assert unread(api, ana) == 6

    # one
    status, body = mark(api, ana, [ids[0]])
    assert (status, body) == (200, {"unread_count": 5})
    stream.drain()
    assert unread(api, ana) == 5
    status, one = api.get(f"/notifications/{ids[0]}", token=ana.access_token)
    assert status == 200 and one["read"] is True

    # several, one of them already read and one named twice
    status, body = mark(api, ana, [ids[0], ids[1], ids[2], ids[2]])
    assert (status, body) == (200, {"unread_count": 3})
    stream.drain()
    assert unread(api, ana) == 3

    # all
    status, body = mark(api, ana, everything=True)
    assert (status, body) == (200, {"unread_count": 0})
    stream.drain()
    assert unread(api, ana) == 0
    assert listing(api, ana, "unread")["items"] == []
    assert all(item["read"] for item in listing(api, ana)["items"])

    # marking again changes nothing
    assert mark(api, ana, everything=True) == (200, {"unread_count": 0})
    assert mark(api, ana, [ids[3]]) == (200, {"unread_count": 0})


def test_marked_before_the_stream_counted_it_never_counts(api: Api, register: Register, stream: StreamPoller) -> None:
    # given notifications read before their INSERT records are handled
    ana = register("ana")
    ids = make(ana, 3)
    assert mark(api, ana, ids[:2]) == (200, {"unread_count": 0})
    # when the stream catches up
    stream.drain()
    # then only the one still unread counts
    assert unread(api, ana) == 1


def test_mark_all_covers_more_than_one_transaction(api: Api, register: Register, stream: StreamPoller) -> None:
    # given more unread notifications than one transaction holds, counted in bulk (as the sender counts one)
    ana = register("ana")
    ids = store_only(ana, store.TRANSACTION_ITEMS + 11)
    store.settle(ana.user_id, ids)
    assert unread(api, ana) == store.TRANSACTION_ITEMS + 11
    # when all are marked read, then none is left, also once the stream has seen every change
    assert mark(api, ana, everything=True) == (200, {"unread_count": 0})
    assert listing(api, ana, "unread")["items"] == []
    stream.drain()
    assert unread(api, ana) == 0


def test_more_than_a_hundred_ids_are_refused(api: Api, register: Register) -> None:
    ana = register("ana")
    status, body = mark(api, ana, [f"n{i}" for i in range(101)])
    assert status == 422 and "notification_ids" in body["error"]["fields"]
    assert mark(api, ana)[0] == 422  # neither ids nor all


def test_replayed_and_reordered_stream_records_keep_the_count_exact(stack: LocalStack, register: Register) -> None:
    # given one notification and the images its stream records carry
    ana = register("ana")
    (notification_id,) = make(ana, 1)
    key = keys.notification(ana.user_id, notification_id)
    inserted = table.get(key)
    assert inserted is not None
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/1"

    def deliver(name: str, old: dict | None, new: dict | None, sequence: int) -> None:
        record = stream_record(name, key, old=old, new=new, sequence_number=str(sequence), stream_arn=arn)
        assert stream_handler(stream_event(record), None) == {"batchItemFailures": []}

    # when the INSERT comes three times
    for sequence in (1, 1, 2):
        deliver("INSERT", None, inserted, sequence)
    # then it is counted once
    assert store.unread_count(ana.user_id) == 1

    # when it is read behind the API's back (no settling) and the MODIFY comes twice, then a late INSERT again
    read = table.update(key, "SET read_at = :t REMOVE gsi1pk, gsi1sk", {":t": "2024-01-01T00:00:00+00:00"})
    assert read is not None
    deliver("MODIFY", inserted, read, 3)
    deliver("MODIFY", inserted, read, 3)
    deliver("INSERT", None, inserted, 1)
    # then it is uncounted once, and the stale INSERT does not count it again
    assert store.unread_count(ana.user_id) == 0

    # and a counted notification deleted, its REMOVE replayed, counts down once
    (second,) = make(ana, 1)
    store.settle(ana.user_id, [second])
    third_key = keys.notification(ana.user_id, second)
    gone = table.get(third_key)
    assert gone is not None and gone["unread_counted"] is True
    assert store.unread_count(ana.user_id) == 1
    table.delete(third_key)
    deliver("REMOVE", gone, None, 5)
    deliver("REMOVE", gone, None, 5)
    assert store.unread_count(ana.user_id) == 0


# ---------------------------------------------------------------- only the recipient


def test_a_notification_of_b_cannot_be_read_or_marked_by_a(api: Api, register: Register, stream: StreamPoller) -> None:
    ana, ben = register("ana"), register("ben")
    (bens,) = make(ben, 1)
    (anas,) = make(ana, 1)
    stream.drain()

    status, body = api.get(f"/notifications/{bens}", token=ana.access_token)
    assert status == 404 and body["error"]["code"] == "not_found"
    assert mark(api, ana, [bens])[0] == 404
    # naming one of her own with it changes nothing either (all or nothing)
    assert mark(api, ana, [anas, bens])[0] == 404
    assert api.get(f"/notifications/{anas}", token=ana.access_token)[1]["read"] is False
    # marking all of hers leaves his alone
    assert mark(api, ana, everything=True) == (200, {"unread_count": 0})
    stream.drain()

    status, his = api.get(f"/notifications/{bens}", token=ben.access_token)
    assert status == 200 and his["read"] is False
    assert unread(api, ben) == 1
    assert [i["notification_id"] for i in listing(api, ana)["items"]] == [anas]
    assert api.get(f"/notifications/{bens}")[0] == 401


# ---------------------------------------------------------------- settings and subscriptions


def test_settings_default_to_pushing_everything(api: Api, register: Register) -> None:
    ana = register("ana")
    everything = {c: True for c in ("partner", "moments", "affirmations", "music", "reminders")}
    assert api.get("/notifications/settings", token=ana.access_token) == (200, {"push": everything})

    status, body = api.put("/notifications/settings", {"push": {"music": False}}, token=ana.access_token)
    assert (status, body) == (200, {"push": {**everything, "music": False}})
    assert api.get("/notifications/settings", token=ana.access_token) == (200, {"push": {**everything, "music": False}})
    assert api.put("/notifications/settings", {"push": {"spam": True}}, token=ana.access_token)[0] == 422


def subscription(endpoint: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}, "expirationTime": None}


def test_subscriptions_are_upserted_by_endpoint_and_move_with_the_browser(api: Api, register: Register) -> None:
    ana, ben = register("ana"), register("ben")
    endpoint = FCM + uuid.uuid4().hex

    # the same browser subscribing twice is one subscription
    assert api.post("/push/subscriptions", subscription(endpoint), token=ana.access_token) == (201, None)
    assert api.post("/push/subscriptions", subscription(endpoint), token=ana.access_token) == (201, None)
    assert [s.endpoint for s in store.subscriptions_of(ana.user_id)] == [endpoint]

    # someone else signing in on that browser takes it over
    assert api.post("/push/subscriptions", subscription(endpoint), token=ben.access_token)[0] == 201
    assert store.subscriptions_of(ana.user_id) == []
    assert [s.endpoint for s in store.subscriptions_of(ben.user_id)] == [endpoint]

    # unsubscribing is idempotent and leaves nobody holding the endpoint
    assert api.delete("/push/subscriptions", json={"endpoint": endpoint}, token=ben.access_token) == (204, None)
    assert api.delete("/push/subscriptions", json={"endpoint": endpoint}, token=ben.access_token) == (204, None)
    assert store.subscriptions_of(ben.user_id) == []
    assert table.get(keys.push_endpoint_claim(store.endpoint_hash(endpoint))) is None


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "field"),
    [
        ("http://169.254.169.254/latest/meta-data", P256DH, "endpoint"),
        ("https://internal.example.com/push", P256DH, "endpoint"),
        ("http://fcm.googleapis.com/fcm/send/x", P256DH, "endpoint"),
        ("http://127.0.0.1:9/push", P256DH, "endpoint"),
        (FCM + "x", "B" + "A" * 86, "keys"),
    ],
)
def test_only_browser_push_services_are_accepted(
    api: Api, register: Register, endpoint: str, p256dh: str, field: str
) -> None:
    ana = register("ana")
    body = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": AUTH}}
    status, answer = api.post("/push/subscriptions", body, token=ana.access_token)
    assert status == 422, answer
    assert field in answer["error"]["fields"]
    assert store.subscriptions_of(ana.user_id) == []


def test_the_vapid_public_key_is_the_configured_one(api: Api, register: Register) -> None:
    ana = register("ana")
    status, body = api.get("/push/vapid-public-key", token=ana.access_token)
    assert (status, body) == (200, {"public_key": get_settings().vapid_public_key})
    assert len(body["public_key"]) == 87  # 65 bytes, base64url without padding


# ---------------------------------------------------------------- nudges


def test_a_nudge_needs_a_partner(api: Api, register: Register) -> None:
    ana = register("ana")
    status, body = api.post("/nudges", token=ana.access_token)
    assert status == 409 and body["error"]["code"] == "not_paired"
    assert listing(api, ana)["items"] == []


def test_a_nudge_reaches_the_partner_and_is_queued_for_delivery(
    api: Api, couple: MakeCouple, stream: StreamPoller, own_queue: str
) -> None:
    ana, ben, _ = couple()
    stream.drain()  # both are told they are a pair
    status, sent = api.post("/nudges", token=ana.access_token)
    assert status == 202, sent
    stream.drain()

    newest, paired = listing(api, ben)["items"]
    assert newest["notification_id"] == sent["notification_id"] and paired["kind"] == "paired"
    assert (newest["category"], newest["kind"], newest["link"]) == ("partner", "thinking_of_you", "/home")
    assert newest["title"] == f"{ana.display_name} is thinking of you"
    assert unread(api, ben) == 2 and [n["kind"] for n in listing(api, ana)["items"]] == ["paired"]
    messages = client("sqs").receive_message(QueueUrl=own_queue, MaxNumberOfMessages=10)["Messages"]
    bodies = [json.loads(message["Body"]) for message in messages]
    assert {"notification_id": sent["notification_id"], "recipient_id": ben.user_id} in bodies


@pytest.fixture
def own_queue(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Deliveries go to a queue of this test's own, so its one message is easy to find."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"lumi-test-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    monkeypatch.setenv("LUMI_QUEUE_URL_NOTIFICATIONS", url)
    reset_settings()
    yield url
    monkeypatch.undo()
    reset_settings()
    sqs.delete_queue(QueueUrl=url)


def test_a_failed_queueing_takes_the_notification_back(
    stack: LocalStack, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = register("ana")
    monkeypatch.setenv("LUMI_QUEUE_URL_NOTIFICATIONS", get_settings().queue_url_notifications + "-missing")
    reset_settings()
    try:
        with pytest.raises(Unavailable):
            notify(ana.user_id, "partner", "test", "Hello", "", "/home")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert list(table.query_all(("pk", keys.user_partition(ana.user_id)), ("sk", keys.NOTIFICATION_PREFIX))) == []


def test_nudges_are_rate_limited_per_person(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    limit = get_settings().rate_limit_nudges_per_minute
    while int(time.time()) % 60 > 56:  # all attempts in one fixed window
        time.sleep(0.2)
    for _ in range(limit):
        assert api.post("/nudges", token=ana.access_token)[0] == 202
    status, body = api.post("/nudges", token=ana.access_token)
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 1 <= int(api.last_headers["retry-after"]) <= 60
    # the partner's budget is their own
    assert api.post("/nudges", token=ben.access_token)[0] == 202


# ---------------------------------------------------------------- what goes with an account or a couple


def test_deleting_an_account_removes_its_notifications_settings_and_subscriptions(
    api: Api, register: Register, stream: StreamPoller
) -> None:
    ana = register("ana")
    make(ana, 3)
    endpoint = FCM + uuid.uuid4().hex
    assert api.post("/push/subscriptions", subscription(endpoint), token=ana.access_token)[0] == 201
    assert api.put("/notifications/settings", {"push": {"music": False}}, token=ana.access_token)[0] == 200
    stream.drain()
    assert store.unread_count(ana.user_id) == 3

    status, _ = api.post("/auth/delete-account", {"password": ana.password}, token=ana.access_token)
    assert status == 204
    stream.drain()

    left = [item.get("type") for item in table.query_all(("pk", keys.user_partition(ana.user_id)))]
    assert left == []
    assert table.get(keys.push_endpoint_claim(store.endpoint_hash(endpoint))) is None


def test_leaving_takes_the_couples_notifications_and_their_count(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    ana, ben, relationship_id = couple()
    assert api.post("/nudges", token=ana.access_token)[0] == 202
    (own,) = make(ben, 1)  # not about the couple: stays
    stream.drain()
    assert unread(api, ben) == 3  # and "You and Ana are a pair"

    assert api.delete(f"/relationships/{relationship_id}", token=ben.access_token)[0] == 204
    stream.drain()

    assert [i["notification_id"] for i in listing(api, ben)["items"]] == [own]
    assert unread(api, ben) == 1
