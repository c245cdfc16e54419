"""A piece of the system goes away and comes back: nothing is lost, and meanwhile people are told.

Each test runs a stack of its own (its own stage: its own table, queues, broker, Redis), so
taking a piece down touches no other test. What a person sees during each outage:

- The MQTT broker is away: everything people do is still saved (the API answers as usual);
  the app's pages say "Live updates are paused while Lumi reconnects" and stop changing by
  themselves. When the broker is back the app reconnects on its own, the pages fetch what
  changed meanwhile (a chat message sent in the gap appears) and live updates flow again.
- Redis is away: what is stored keeps being served (a moment with its video and picture:
  media URLs are signed without the cache), while whatever must count or be checked in Redis
  answers 503 "Lumi can't reach one of its services right now", never 500 and never without
  its limit: signing in, "thinking of you". When Redis is back, sign-in sessions are still there
  (append-only file) and everything works again.
- The AWS emulator is away: every page that needs stored data says "Lumi cannot reach one of
  its services right now. Please try again shortly." (503, never 500); when it is back,
  everything is there. (Coming back from disk after a crash, with the stream resuming exactly
  where it was, is ``test_local_persistence.py``.)
- A queued message is delivered twice (SQS is at-least-once): the person is notified once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from backend.aws import client
from backend.contracts import ChatMessageEvent
from backend.domain.notifications import DeliveryRequest
from backend.local.stack import LocalStack
from backend.settings import get_settings
from backend.store import keys, table
from lumi_app.realtime import LivePaused, RealtimeHub, Resync, keys_for
from lumi_app.state import session_store
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_moment_chat import a_moment, listing, send

# paho backs off 1, 2, 4, 8 s between tries (the hub's reconnect_delay_set caps it at 10 s).
RECONNECT_SECONDS = 25


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A whole stack of its own, keeping Redis on disk (as ``make dev`` does), to take apart."""
    data_dir = tmp_path_factory.mktemp("faults")
    with LocalStack(stage=f"faults{uuid.uuid4().hex[:6]}", data_dir=str(data_dir)).start() as stack:
        yield stack


@pytest.fixture
def stack(fault_stack: LocalStack) -> LocalStack:
    fault_stack.activate()
    return fault_stack


# ---------------------------------------------------------------- the broker


async def _next(queue: asyncio.Queue[Any], kind: type, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        item = await asyncio.wait_for(queue.get(), left)
        if isinstance(item, kind):
            return item
    raise TimeoutError(f"no {kind.__name__} within {timeout:.0f}s")


async def test_the_broker_restarts_the_app_resyncs_and_a_message_sent_meanwhile_is_not_lost(
    stack: LocalStack, api: Api, couple: MakeCouple
) -> None:
    # given Ana and Ben with a moment; Ben's tab is live in an app process (its MQTT hub)
    ana, ben, relationship_id = couple()
    moment_id = a_moment(relationship_id, ana)
    hub = RealtimeHub(get_settings())
    mailbox = hub.open(f"tab-{uuid.uuid4().hex[:8]}")
    assert mailbox is not None
    hub.rekey(mailbox, keys_for(ben.user_id, relationship_id))
    try:
        assert await asyncio.to_thread(hub.wait_connected, 10)

        # when the broker goes away
        await asyncio.to_thread(stack.stop_broker)

        # then Ben's tab is told live updates are paused (it says so on screen)
        await _next(mailbox.queue, LivePaused, 10)

        # and Ana's message is still saved: she sees it sent
        sent = await asyncio.to_thread(send, api, ana, moment_id, "Are you there?")

        # when the broker is back
        await asyncio.to_thread(stack.restart_broker)

        # then the app reconnects by itself and asks Ben's tab to fetch what it missed,
        # which holds Ana's message
        await _next(mailbox.queue, Resync, RECONNECT_SECONDS)
        texts = [m["text"] for m in (await asyncio.to_thread(listing, api, ben, moment_id))["items"]]
        assert "Are you there?" in texts
        assert sent["message_id"] in [
            m["message_id"] for m in (await asyncio.to_thread(listing, api, ben, moment_id))["items"]
        ]

        # and live messages reach his tab again (the API's own connection came back too)
        again = await asyncio.to_thread(send, api, ana, moment_id, "Back again")
        event = await _next(mailbox.queue, ChatMessageEvent, 15)
        assert event.message.message_id == again["message_id"]
    finally:
        hub.close(mailbox)
        hub.stop()


# ---------------------------------------------------------------- Redis


def _crash_redis(stack: LocalStack) -> None:
    """SIGKILL, as a crash (no chance to save on the way out)."""
    assert stack.redis is not None and stack.redis._process is not None
    stack.redis._process.kill()
    stack.redis._process.wait(5)


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f}s"
        time.sleep(0.05)


async def test_redis_restarts_sessions_survive_limits_fail_safe_and_media_urls_skip_the_cache(
    stack: LocalStack, api: Api, couple: MakeCouple
) -> None:
    # given Ana and Ben with a moment, and Ana signed in to the app (a session in Redis)
    ana, ben, relationship_id = couple()
    moment_id = a_moment(relationship_id, ana)
    session_id = session_store.new_session_id()
    await session_store.save_session(session_id, ana.refresh_token, ana.user_id)
    status, before = api.get(f"/moments/{moment_id}", token=ben.access_token)
    assert status == 200 and before["video_url"]

    # when Redis crashes
    _crash_redis(stack)

    # then the moment is still served, its video and picture signed without the cache
    status, moment = api.get(f"/moments/{moment_id}", token=ben.access_token)
    assert status == 200, moment
    assert moment["video_url"] and moment["thumbnail_url"]

    # and what is limited or kept in Redis says so plainly instead of going unchecked
    status, body = api.post("/auth/login", {"login": ana.email, "password": ana.password})
    assert status == 503, body
    assert body["error"]["code"] == "unavailable"
    status, body = api.post("/nudges", token=ana.access_token)
    assert status == 503, body

    # when Redis is back, from its own files
    assert stack.redis is not None
    stack.redis.start()

    # then Ana's app session is still there, and signing in and nudging work again
    stored = await session_store.load_session(session_id)
    assert stored is not None and stored.user_id == ana.user_id
    status, body = api.post("/auth/login", {"login": ana.email, "password": ana.password})
    assert status == 200, body
    status, body = api.post("/nudges", token=ana.access_token)
    assert status == 202, body


# ---------------------------------------------------------------- the emulator


def test_the_emulator_goes_away_pages_say_so_and_everything_is_there_when_it_is_back(
    stack: LocalStack, api: Api, couple: MakeCouple
) -> None:
    # given Ana and Ben with a moment
    ana, ben, relationship_id = couple()
    moment_id = a_moment(relationship_id, ana, title="Lighthouse")
    assert stack.moto is not None

    # when the emulator (DynamoDB, S3, SQS, Cognito) stops answering
    stack.moto.stop()
    try:
        # then reading the moment, and sending a message, say plainly what is wrong
        status, body = api.get(f"/moments/{moment_id}", token=ben.access_token)
        assert status == 503, body
        assert body["error"] == {
            "code": "unavailable",
            "message": "Lumi cannot reach one of its services right now. Please try again shortly.",
            "fields": {},
        }
        status, body = api.post(f"/moments/{moment_id}/messages", {"text": "Hello?"}, token=ben.access_token)
        assert status == 503, body
    finally:
        # when it is back
        stack.moto.start()

    # then the moment is there, and a message now goes through
    status, moment = api.get(f"/moments/{moment_id}", token=ben.access_token)
    assert status == 200 and moment["title"] == "Lighthouse", moment
    assert send(api, ben, moment_id, "Hello again")["text"] == "Hello again"


# ---------------------------------------------------------------- the queue


def test_a_notification_queued_twice_reaches_the_person_once(stack: LocalStack, api: Api, couple: MakeCouple) -> None:
    # given Ben away (no tab open), so Ana's nudge goes through the notifications queue
    ana, ben, _ = couple()
    status, nudge = api.post("/nudges", token=ana.access_token)
    assert status == 202, nudge
    key = keys.notification(ben.user_id, nudge["notification_id"])
    _wait_for(lambda: (table.get(key) or {}).get("delivery") not in (None, "queued"), "the first delivery")
    first = table.get(key)
    assert first is not None
    # and nothing else in the queue: the emulator outage above may have left a message in flight
    # (received, not yet deleted when the emulator stopped), which comes back only after its
    # visibility timeout, 30 s
    client("sqs").purge_queue(QueueUrl=get_settings().queue_url_notifications)

    # when SQS hands the sender the same message twice more (at-least-once delivery)
    request = DeliveryRequest(notification_id=nudge["notification_id"], recipient_id=ben.user_id)
    for _ in range(2):
        client("sqs").send_message(
            QueueUrl=get_settings().queue_url_notifications, MessageBody=request.model_dump_json()
        )
    _wait_for(lambda: _queue_empty(), "the queue to drain")

    # then it was delivered once: one nudge, counted once, delivered as the first time said
    # (besides it Ben has "You and Ana are a pair", from the stream)
    status, page = api.get("/notifications", token=ben.access_token)
    assert status == 200
    nudges = [n["notification_id"] for n in page["items"] if n["kind"] == "thinking_of_you"]
    assert nudges == [nudge["notification_id"]]
    assert page["unread_count"] == sum(1 for n in page["items"] if not n["read"])
    assert table.get(key)["delivered_at"] == first["delivered_at"]


def _queue_empty() -> bool:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=get_settings().queue_url_notifications,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    )
