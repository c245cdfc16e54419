"""The chat of a moment through the API: messages, edits, reactions, receipts, paging, retries,
the stream's message count, notifications for an away partner, what another couple sees
(nothing), and the live events on the couple's MQTT topic.

Moments are made by a small builder straight in the table (the shape the moments work
stores), so these tests need nothing of the moments API. Most tests run on the API test
stack (no broker, no pollers: tests drain the stream themselves); the ones that subscribe
with a real MQTT client run on the session's full stack, which has the broker.
"""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from backend.contracts import ChatMessageEvent, ChatReceiptMessage, ChatTypingMessage, RealtimeMessage
from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from backend.media import paths
from backend.realtime.topics import Channel, couple_topic
from backend.settings import reset_settings
from backend.store import chat as chat_store
from backend.store import keys, table
from backend.streams import chat as chat_stream
from backend.streams.handler import handler as stream_handler
from tests.builders import stream_event, stream_record
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    Connect,
    MqttClient,
    connect,
    mqtt_port,
)

realtime = TypeAdapter(RealtimeMessage)


@pytest.fixture
def stack(request: pytest.FixtureRequest, api_stack: LocalStack) -> LocalStack:
    """The API test stack; the session's full stack (with the broker) for tests that connect to MQTT."""
    if "connect" in request.fixturenames:
        full: LocalStack = request.getfixturevalue("local_stack")
        return full
    api_stack.activate()
    return api_stack


# ---------------------------------------------------------------- builders


def a_moment(relationship_id: str, owner: Person, title: str = "Beach day") -> str:
    """A moment of the couple in the shape the moments work stores, with its thumbnail already
    made (so the moment's own stream steps have no video to look for)."""
    moment_id, created_at = chat_store.new_message_id()
    table.put(
        {
            **keys.moment(relationship_id, moment_id),
            **keys.moment_owner_index_key(relationship_id, owner.user_id, moment_id),
            **keys.tenant_key(relationship_id, "MOMENT", moment_id),
            "type": "Moment",
            "relationship_id": relationship_id,
            "moment_id": moment_id,
            "owner_id": owner.user_id,
            "title": title,
            "description": "",
            "tags": [],
            "content_type": "video/mp4",
            "size": 4096,
            "duration_seconds": Decimal("2.5"),
            "video_key": paths.moment_video_key(relationship_id, moment_id),
            "thumbnail_key": paths.moment_thumbnail_key(relationship_id, moment_id),
            "created_at": created_at.isoformat(),
        }
    )
    return moment_id


def messages_of(moment_id: str) -> str:
    return f"/moments/{moment_id}/messages"


def send(api: Api, person: Person, moment_id: str, text: str, client_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if client_id:
        body["client_id"] = client_id
    status, message = api.post(messages_of(moment_id), body, token=person.access_token)
    assert status == 201, message
    return message


def listing(api: Api, person: Person, moment_id: str, **query: str) -> dict[str, Any]:
    status, page = api.get(messages_of(moment_id), token=person.access_token, query=query or None)
    assert status == 200, page
    return page


def receipts(api: Api, person: Person, moment_id: str, up_to: str, read: bool = False) -> tuple[int, Any]:
    return api.post(f"/moments/{moment_id}/receipts", {"up_to": up_to, "read": read}, token=person.access_token)


def message_count(relationship_id: str, moment_id: str) -> int:
    moment = table.get(keys.moment(relationship_id, moment_id))
    assert moment is not None
    return int(moment.get("message_count", 0))


def chat_notifications(api: Api, person: Person) -> list[dict[str, Any]]:
    status, page = api.get("/notifications", token=person.access_token, query={"limit": "100"})
    assert status == 200, page
    return [n for n in page["items"] if n["kind"] == "moment_message"]


# ---------------------------------------------------------------- messages


def test_send_react_edit_and_delete_answer_the_right_statuses(api: Api, couple: MakeCouple) -> None:
    # given a couple and one of their moments
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)

    # when ana writes
    message = send(api, ana, moment_id, "  Look at the waves!  ")
    path = f"{messages_of(moment_id)}/{message['message_id']}"

    # then it is hers, trimmed, new
    assert message["author_id"] == ana.user_id and message["moment_id"] == moment_id
    assert message["text"] == "Look at the waves!"
    assert message["deleted"] is False and message["edited_at"] is None and message["reactions"] == {}

    # when ben reacts, then changes his reaction; ana reacts too
    assert api.put(f"{path}/reaction", {"emoji": "👍"}, token=ben.access_token)[1]["reactions"] == {ben.user_id: "👍"}
    status, reacted = api.put(f"{path}/reaction", {"emoji": "❤️‍🔥"}, token=ben.access_token)
    assert status == 200 and reacted["reactions"] == {ben.user_id: "❤️‍🔥"}
    status, reacted = api.put(f"{path}/reaction", {"emoji": "🇫🇷"}, token=ana.access_token)
    assert reacted["reactions"] == {ben.user_id: "❤️‍🔥", ana.user_id: "🇫🇷"}
    # then text is no reaction, and null takes one away
    for not_an_emoji in ("ok", "1", "👍👍", "👍 "):
        status, refused = api.put(f"{path}/reaction", {"emoji": not_an_emoji}, token=ben.access_token)
        assert status == 422 and "emoji" in refused["error"]["fields"], (not_an_emoji, refused)
    status, reacted = api.put(f"{path}/reaction", {"emoji": None}, token=ana.access_token)
    assert status == 200 and reacted["reactions"] == {ben.user_id: "❤️‍🔥"}

    # when ben tries to change or delete ana's message
    assert api.patch(path, {"text": "mine now"}, token=ben.access_token)[0] == 403
    assert api.delete(path, token=ben.access_token)[0] == 403

    # when ana edits it
    status, edited = api.patch(path, {"text": "Look at those waves!"}, token=ana.access_token)
    assert status == 200 and edited["text"] == "Look at those waves!" and edited["edited_at"]
    assert edited["reactions"] == {ben.user_id: "❤️‍🔥"}

    # when ana deletes it
    status, deleted = api.delete(path, token=ana.access_token)

    # then it keeps its place without text or reactions, and nobody can react to or edit it
    assert status == 200 and deleted["deleted"] is True and deleted["text"] == "" and deleted["reactions"] == {}
    assert api.put(f"{path}/reaction", {"emoji": "😢"}, token=ben.access_token)[0] == 409
    assert api.patch(path, {"text": "back"}, token=ana.access_token)[0] == 409
    assert api.delete(path, token=ana.access_token) == (200, deleted)
    page = listing(api, ben, moment_id)
    assert [(m["message_id"], m["deleted"], m["text"]) for m in page["items"]] == [(message["message_id"], True, "")]
    stored = table.get(keys.chat_message(moment_id, message["message_id"]))
    assert stored is not None and stored["text"] == "" and stored["reactions"] == {}


def test_messages_are_checked_at_the_edge(api: Api, couple: MakeCouple) -> None:
    ana, _ben, rel = couple()
    moment_id = a_moment(rel, ana)
    for body in (
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 2001},
        {"text": "a\x00b"},
        {},
        {"text": "hi", "client_id": "short"},
    ):
        assert api.post(messages_of(moment_id), body, token=ana.access_token)[0] == 422, body
    assert api.get(messages_of(moment_id), token=ana.access_token, query={"limit": "101"})[0] == 422
    assert api.get(messages_of(moment_id), token=ana.access_token, query={"limit": "0"})[0] == 422
    assert api.patch(f"{messages_of(moment_id)}/{'0' * 30}", {"text": "hi"}, token=ana.access_token)[0] == 404
    assert api.delete(f"{messages_of(moment_id)}/not-an-id", token=ana.access_token)[0] == 404


def test_another_couple_and_a_single_person_get_404_on_every_route(
    api: Api, couple: MakeCouple, register: Register
) -> None:
    # given couple X's moment with a message, couple Y, and someone without a partner
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    message_id = send(api, ben, moment_id, "ours")["message_id"]
    cleo, _dan, _ = couple()
    eve = register("eve")
    path = f"{messages_of(moment_id)}/{message_id}"

    for stranger in (cleo, eve):
        token = stranger.access_token
        # when they try every chat route on X's moment, then it does not exist for them
        assert api.get(messages_of(moment_id), token=token)[0] == 404
        assert api.post(messages_of(moment_id), {"text": "hello?"}, token=token)[0] == 404
        assert api.patch(path, {"text": "hacked"}, token=token)[0] == 404
        assert api.delete(path, token=token)[0] == 404
        assert api.put(f"{path}/reaction", {"emoji": "👍"}, token=token)[0] == 404
        assert api.post(f"/moments/{moment_id}/typing", token=token)[0] == 404
        assert receipts(api, stranger, moment_id, message_id)[0] == 404

    # and X's chat is untouched
    page = listing(api, ana, moment_id)
    assert [(m["text"], m["reactions"]) for m in page["items"]] == [("ours", {})]
    assert page["receipts"] == {"delivered_up_to": {}, "read_up_to": {}}
    # and a moment that does not exist is a 404 for X too
    assert api.get(messages_of("nosuchmoment"), token=ana.access_token)[0] == 404


def test_a_long_chat_comes_newest_first_in_pages(api: Api, couple: MakeCouple) -> None:
    # given 75 messages, written by both (each stays within their per-minute budget), both online
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    for person in (ana, ben):
        beat(api, person, f"tab-{uuid.uuid4().hex[:12]}", "active")
    sent = [send(api, ana if n % 2 else ben, moment_id, f"message {n}")["message_id"] for n in range(75)]

    # when the chat is read page after page with the default size
    seen: list[str] = []
    sizes: list[int] = []
    query: dict[str, str] = {}
    while True:
        page = listing(api, ben, moment_id, **query)
        sizes.append(len(page["items"]))
        seen += [m["message_id"] for m in page["items"]]
        if page["next"] is None:
            break
        query = {"next": page["next"]}

    # then every message came once, newest first, 30 at a time
    assert sizes == [30, 30, 15]
    assert seen == list(reversed(sent))

    # and a page can be bigger (up to 100), and a token only continues its own chat
    assert len(listing(api, ana, moment_id, limit="100")["items"]) == 75
    token = listing(api, ana, moment_id, limit="10")["next"]
    other = a_moment(rel, ben)
    status, refused = api.get(messages_of(other), token=ana.access_token, query={"next": token})
    assert status == 422 and "next" in refused["error"]["fields"]


def test_a_retry_with_the_same_client_id_makes_one_message(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given a couple's moment
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    client_id = f"tab-{uuid.uuid4().hex}"

    # when ana's tab sends the same message twice (a retry after a lost answer)
    status, first = api.post(messages_of(moment_id), {"text": "hi", "client_id": client_id}, token=ana.access_token)
    again_status, again = api.post(
        messages_of(moment_id), {"text": "hi", "client_id": client_id}, token=ana.access_token
    )

    # then the first made it (201), the retry answers with the same message (200)
    assert (status, again_status) == (201, 200)
    assert again == first
    assert [m["message_id"] for m in listing(api, ben, moment_id)["items"]] == [first["message_id"]]
    # and ben cannot take ana's client id
    assert api.post(messages_of(moment_id), {"text": "me", "client_id": client_id}, token=ben.access_token)[0] == 409
    # and it is counted once
    stream.drain()
    assert message_count(rel, moment_id) == 1


def test_receipts_only_move_forward_and_read_implies_delivered(api: Api, couple: MakeCouple) -> None:
    # given three messages of ana's
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    first, second, third = (send(api, ana, moment_id, text)["message_id"] for text in ("one", "two", "three"))

    # when ben's device receives up to the second
    status, marks = receipts(api, ben, moment_id, second)
    assert status == 200
    assert marks == {"delivered_up_to": {ben.user_id: second}, "read_up_to": {}}

    # when ben reads up to the third
    status, marks = receipts(api, ben, moment_id, third, read=True)
    assert marks == {"delivered_up_to": {ben.user_id: third}, "read_up_to": {ben.user_id: third}}

    # when an older receipt arrives late (delivered and read)
    status, marks = receipts(api, ben, moment_id, first, read=True)

    # then nothing goes back
    assert status == 200
    assert marks == {"delivered_up_to": {ben.user_id: third}, "read_up_to": {ben.user_id: third}}
    # and ana's own marks are kept apart; the chat page carries all of them
    receipts(api, ana, moment_id, third, read=True)
    assert listing(api, ana, moment_id)["receipts"] == {
        "delivered_up_to": {ben.user_id: third, ana.user_id: third},
        "read_up_to": {ben.user_id: third, ana.user_id: third},
    }
    # and reading an earlier message after receiving a later one still moves "read" forward
    fourth = send(api, ana, moment_id, "four")["message_id"]
    receipts(api, ben, moment_id, fourth)
    ben_delivered_fourth = {ben.user_id: fourth, ana.user_id: third}
    assert receipts(api, ben, moment_id, third, read=True)[1]["delivered_up_to"] == ben_delivered_fourth
    # and what is not a message id is refused
    for not_an_id in ("hello", "0" * 31):
        status, refused = receipts(api, ben, moment_id, not_an_id)
        assert status == 422 and "up_to" in refused["error"]["fields"]


# ---------------------------------------------------------------- the stream


def test_messages_are_counted_on_the_moment_once_whatever_the_stream_replays(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    # given two messages on a moment
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    sent = [send(api, person, moment_id, "hey")["message_id"] for person in (ana, ben)]

    # when the stream runs, and runs again
    stream.drain()
    stream.drain()
    # then both are counted once
    assert message_count(rel, moment_id) == 2

    # when the INSERT records are delivered again (a replay), twice
    for sequence, message_id in enumerate(sent * 2, start=1):
        key = keys.chat_message(moment_id, message_id)
        inserted = table.get(key)
        assert inserted is not None
        inserted.pop("counted", None)  # the image as it was when inserted
        record = stream_record("INSERT", key, new=inserted, sequence_number=str(sequence))
        assert stream_handler(stream_event(record), None) == {"batchItemFailures": []}

    # then the count is still exact
    assert message_count(rel, moment_id) == 2


def test_a_moment_deleted_takes_its_whole_chat_and_counting_it_later_recreates_nothing(
    api: Api, couple: MakeCouple
) -> None:
    # given a chat with messages, a retry id and receipts (nothing counted yet)
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    message = send(api, ana, moment_id, "bye", client_id=f"tab-{uuid.uuid4().hex}")
    send(api, ben, moment_id, "see you")
    receipts(api, ben, moment_id, message["message_id"], read=True)
    partition = ("pk", keys.moment_partition(moment_id))
    assert len(list(table.query_all(partition))) == 4

    # when the moment goes and its cascade runs twice
    table.delete(keys.moment(rel, moment_id))
    chat_stream.delete_for_moment(rel, moment_id)
    chat_stream.delete_for_moment(rel, moment_id)

    # then nothing of its chat is left, and a late count neither fails nor brings anything back
    assert list(table.query_all(partition)) == []
    chat_stream.message_inserted({"relationship_id": rel, "moment_id": moment_id, "message_id": message["message_id"]})
    assert table.get(keys.moment(rel, moment_id)) is None
    assert table.get(keys.chat_message(moment_id, message["message_id"])) is None
    # and the chat of a moment that is gone is a 404
    assert api.post(messages_of(moment_id), {"text": "anyone?"}, token=ana.access_token)[0] == 404
    assert receipts(api, ben, moment_id, message["message_id"])[0] == 404


def test_a_couple_splitting_up_takes_its_chats_with_it(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given a chat with messages, a retry id and receipts: every item carries the couple's tenant key
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    message = send(api, ana, moment_id, "bye", client_id=f"tab-{uuid.uuid4().hex}")
    receipts(api, ben, moment_id, message["message_id"], read=True)
    partition = ("pk", keys.moment_partition(moment_id))
    items = list(table.query_all(partition))
    assert {item["type"] for item in items} == {"ChatMessage", "ChatClientId", "ChatReceipt"}
    assert all(item["gsi2pk"] == keys.tenant(rel) for item in items)

    # when the couple splits up and the stream runs
    assert api.delete(f"/relationships/{rel}", token=ben.access_token)[0] == 204
    stream.drain()

    # then nothing of the chat is left
    assert list(table.query_all(partition)) == []


# ---------------------------------------------------------------- notifications


def test_an_away_partner_is_notified_and_an_online_one_is_not(api: Api, couple: MakeCouple) -> None:
    # given ana and ben, ben with no open tab (offline)
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana, title="Sunset walk")

    # when ana writes
    send(api, ana, moment_id, "Remember this?")

    # then ben gets a notification pointing at the moment
    (notification,) = chat_notifications(api, ben)
    assert notification["category"] == "moments"
    assert notification["title"] == f"{ana.display_name} on “Sunset walk”"
    assert notification["body"] == "Remember this?"
    assert notification["link"] == f"/moments/watch?id={moment_id}"
    assert chat_notifications(api, ana) == []

    # when ben is online (a tab beating) and ana writes again
    connection = f"tab-{uuid.uuid4().hex[:12]}"
    assert beat(api, ben, connection, "active") == "online"
    send(api, ana, moment_id, "Look now!")

    # then no second notification: he sees it live
    assert len(chat_notifications(api, ben)) == 1

    # when ben's tab goes idle and ana writes once more, then he is notified again
    assert beat(api, ben, connection, "idle") == "idle"
    send(api, ana, moment_id, "Still there?")
    assert [n["body"] for n in chat_notifications(api, ben)] == ["Still there?", "Remember this?"]


def beat(api: Api, person: Person, connection_id: str, activity: str) -> str:
    status, mine = api.post(
        "/presence/heartbeat", {"connection_id": connection_id, "activity": activity}, token=person.access_token
    )
    assert status == 200, mine
    return str(mine["state"])


# ---------------------------------------------------------------- rate limits


def test_typing_beyond_its_budget_is_quietly_accepted(api: Api, couple: MakeCouple) -> None:
    ana, _ben, rel = couple()
    moment_id = a_moment(rel, ana)
    statuses = {api.post(f"/moments/{moment_id}/typing", token=ana.access_token)[0] for _ in range(35)}
    assert statuses == {202}


@pytest.fixture
def chat_budget(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A small per-minute chat budget for this test (the setting the API reads)."""
    monkeypatch.setenv("LUMI_RATE_LIMIT_CHAT_PER_MINUTE", "5")
    reset_settings()
    yield 5
    monkeypatch.undo()
    reset_settings()


def test_writing_too_fast_is_limited(api: Api, couple: MakeCouple, chat_budget: int) -> None:
    # given a couple's moment and a budget of five writes a minute
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    first = send(api, ana, moment_id, "one")
    path = f"{messages_of(moment_id)}/{first['message_id']}"

    # when ana keeps writing (sending, editing, reacting all count)
    statuses = [api.patch(path, {"text": "one!"}, token=ana.access_token)[0]]
    statuses.append(api.put(f"{path}/reaction", {"emoji": "🎉"}, token=ana.access_token)[0])
    statuses += [api.post(messages_of(moment_id), {"text": f"{n}"}, token=ana.access_token)[0] for n in range(3)]

    # then the write beyond the budget is refused with a time to wait, and ben still has his own budget
    assert statuses == [200, 200, 201, 201, 429]
    assert int(api.last_headers["retry-after"]) >= 1
    assert api.post(messages_of(moment_id), {"text": "me too"}, token=ben.access_token)[0] == 201


@pytest.fixture
def no_rate_limits(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_RATE_LIMITS_ENABLED", "false")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_whatever_a_partner_sends_the_chat_never_answers_a_server_error(
    api: Api, couple: MakeCouple, no_rate_limits: None
) -> None:
    # given a real couple's moment with a message (the general fuzzing person has no partner: 404s only)
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    path = f"{messages_of(moment_id)}/{send(api, ana, moment_id, 'fuzz me')['message_id']}"
    anything = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(text=anything, emoji=anything, up_to=anything, read=st.booleans())
    def never_500(text: str, emoji: str, up_to: str, read: bool) -> None:
        # when ben sends arbitrary text, reaction and receipt; then he gets an answer or a 4xx, never a 5xx
        assert api.post(messages_of(moment_id), {"text": text}, token=ben.access_token)[0] in (201, 422)
        assert api.put(f"{path}/reaction", {"emoji": emoji}, token=ben.access_token)[0] in (200, 422)
        status, _ = receipts(api, ben, moment_id, up_to, read)
        assert status in (200, 422)
        assert api.get(messages_of(moment_id), token=ben.access_token, query={"next": text or "x"})[0] in (200, 422)

    never_500()


# ---------------------------------------------------------------- live, over the broker


class ChatScreen:
    """One partner's screen: their own MQTT connection on the couple's chat topic."""

    def __init__(self, client: MqttClient, topic: str) -> None:
        self.client, self.topic = client, topic

    def events(self) -> list[Any]:
        return [realtime.validate_json(payload) for payload in self.client.received(self.topic)]

    def wait_for(self, kind: type, count: int = 1) -> list[Any]:
        def arrived() -> list[Any]:
            return [event for event in self.events() if isinstance(event, kind)]

        assert self.client.wait_for(lambda: len(arrived()) >= count, 5.0), f"no {kind.__name__}: {self.events()}"
        return arrived()


def test_chat_messages_reach_the_partners_subscription(
    api: Api, couple: MakeCouple, connect: Connect, stack: LocalStack
) -> None:
    # given a couple on the full stack, ben's screen subscribed with his own token to the couple's chat
    ana, ben, rel = couple()
    moment_id = a_moment(rel, ana)
    topic = couple_topic(stack.env()["LUMI_STAGE"], rel, Channel.CHAT)
    client = connect(ben)
    assert client.accepted and client.subscribe(topic) == 1
    screen = ChatScreen(client, topic)

    # when ana types, then writes
    assert api.post(f"/moments/{moment_id}/typing", token=ana.access_token)[0] == 202
    message = send(api, ana, moment_id, "Are you watching?")

    # then ben sees her typing, then the message with its text
    (typing,) = screen.wait_for(ChatTypingMessage)
    assert typing.moment_id == moment_id and typing.user_id == ana.user_id
    (created,) = screen.wait_for(ChatMessageEvent)
    assert created.change == "created" and created.message.text == "Are you watching?"
    assert created.message.message_id == message["message_id"] and created.message.author_id == ana.user_id

    # when ben reacts and reads, then ana edits: every change arrives in order
    path = f"{messages_of(moment_id)}/{message['message_id']}"
    assert api.put(f"{path}/reaction", {"emoji": "😍"}, token=ben.access_token)[0] == 200
    assert receipts(api, ben, moment_id, message["message_id"], read=True)[0] == 200
    assert api.patch(path, {"text": "Are you watching it?"}, token=ana.access_token)[0] == 200
    changes = screen.wait_for(ChatMessageEvent, 3)
    assert [(e.change, e.message.text, e.message.reactions) for e in changes] == [
        ("created", "Are you watching?", {}),
        ("reaction", "Are you watching?", {ben.user_id: "😍"}),
        ("edited", "Are you watching it?", {ben.user_id: "😍"}),
    ]
    (receipt,) = screen.wait_for(ChatReceiptMessage)
    assert receipt.moment_id == moment_id
    assert receipt.receipts.read_up_to == {ben.user_id: message["message_id"]}


def test_nothing_of_the_chat_reaches_another_couple(
    api: Api, couple: MakeCouple, connect: Connect, stack: LocalStack
) -> None:
    # given couple X's moment and couple Y's screen on Y's own chat topic
    ana, _ben, rel = couple()
    cleo, _dan, other_rel = couple()
    moment_id = a_moment(rel, ana)
    stage = stack.env()["LUMI_STAGE"]
    client = connect(cleo)
    assert client.subscribe(couple_topic(stage, other_rel, Channel.CHAT)) == 1
    # (and the broker refuses Y a subscription to X's chat)
    assert client.subscribe(couple_topic(stage, rel, Channel.CHAT)) == 0x80

    # when ana writes in X's chat, then cleo in Y's
    send(api, ana, moment_id, "just us")
    send(api, cleo, a_moment(other_rel, cleo), "our own")

    # then Y's screen gets its own message and nothing of X's
    assert client.wait_for(lambda: bool(client.messages)), "Y's own message did not arrive"
    events = [realtime.validate_json(payload) for _, payload in client.messages]
    assert [(type(e), e.message.text) for e in events] == [(ChatMessageEvent, "our own")]
