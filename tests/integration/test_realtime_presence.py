"""Presence end to end: heartbeats through the API, Redis, the cleanup job, and the partner's MQTT client."""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from backend.contracts import PresenceMessage, RealtimeMessage
from backend.local.scheduler import scheduler_from_registry
from backend.local.stack import LocalStack
from backend.realtime import presence
from backend.realtime.topics import Channel, couple_topic
from backend.schedules import ScheduledJob, scheduled_job
from backend.settings import reset_settings
from backend.store import presence as presence_store
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    Connect,
    MqttClient,
    connect,
    mqtt_port,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def tab() -> str:
    return f"tab-{uuid.uuid4().hex[:12]}"


def beat(api: Api, person: Person, connection_id: str, activity: str = "active") -> dict[str, Any]:
    status, body = api.post(
        "/presence/heartbeat", {"connection_id": connection_id, "activity": activity}, token=person.access_token
    )
    assert status == 200, body
    return body


def close(api: Api, person: Person, connection_id: str) -> dict[str, Any]:
    status, body = api.post("/presence/disconnect", {"connection_id": connection_id}, token=person.access_token)
    assert status == 200, body
    return body


def partner_of(api: Api, person: Person) -> dict[str, Any] | None:
    status, body = api.get("/presence/partner", token=person.access_token)
    assert status == 200, body
    return body["presence"]


class PartnerScreen:
    """The partner's side: their own MQTT connection on the couple's presence topic."""

    def __init__(self, client: MqttClient, topic: str) -> None:
        self.client, self.topic = client, topic

    def states(self) -> list[str]:
        found = []
        for payload in self.client.received(self.topic):
            message = messages.validate_json(payload)
            assert isinstance(message, PresenceMessage)
            found.append(message.presence.state)
        return found

    def last(self) -> PresenceMessage:
        message = messages.validate_json(self.client.received(self.topic)[-1])
        assert isinstance(message, PresenceMessage)
        return message

    def wait_for_states(self, *expected: str, timeout: float = 5.0) -> list[str]:
        self.client.wait_for(lambda: len(self.states()) >= len(expected), timeout)
        assert self.states() == list(expected)
        return self.states()

    def arrival(self, index: int) -> float:
        received = zip(self.client.messages, self.client.arrivals, strict=True)
        return [at for (topic, _), at in received if topic == self.topic][index]


@pytest.fixture
def watching(stack: LocalStack, connect: Connect) -> Any:
    """``watching(person, relationship_id)`` → a PartnerScreen subscribed with that person's token."""

    def make(person: Person, relationship_id: str) -> PartnerScreen:
        topic = couple_topic(stack.env()["LUMI_STAGE"], relationship_id, Channel.PRESENCE)
        client = connect(person)
        assert client.subscribe(topic) == 1
        return PartnerScreen(client, topic)

    return make


def test_one_tab_online_idle_offline_reaches_the_partner_within_a_second(
    api: Api, couple: MakeCouple, watching: Any
) -> None:
    # given a couple; ben's screen listens
    ana, ben, rel = couple()
    screen = watching(ben, rel)
    connection = tab()

    # when ana's tab beats, goes idle, beats idle again, then closes
    started = time.monotonic()
    assert beat(api, ana, connection)["state"] == "online"
    screen.wait_for_states("online")
    assert screen.arrival(0) - started < 1.0

    idle_at = time.monotonic()
    assert beat(api, ana, connection, "idle")["state"] == "idle"
    screen.wait_for_states("online", "idle")
    assert screen.arrival(1) - idle_at < 1.0
    assert beat(api, ana, connection, "idle")["state"] == "idle"  # no change: nothing published

    closed_at = time.monotonic()
    mine = close(api, ana, connection)
    assert mine["state"] == "offline" and mine["last_seen"]

    # then ben saw exactly the three changes, the last with when ana was last seen
    screen.wait_for_states("online", "idle", "offline")
    assert screen.arrival(2) - closed_at < 1.0
    last = screen.last().presence
    assert last.user_id == ana.user_id and last.state == "offline"
    assert last.last_seen is not None and abs(last.last_seen.timestamp() - time.time()) < 5


def test_two_tabs_count_together(api: Api, couple: MakeCouple, watching: Any) -> None:
    # given ana with two tabs open
    ana, ben, rel = couple()
    screen = watching(ben, rel)
    first, second = tab(), tab()
    beat(api, ana, first)
    beat(api, ana, second, "idle")
    screen.wait_for_states("online")

    # when the active one closes, she is still there, idle
    assert close(api, ana, first)["state"] == "idle"
    screen.wait_for_states("online", "idle")

    # and the other tab becoming active again brings her online; closing it takes her offline
    assert beat(api, ana, second)["state"] == "online"
    assert close(api, ana, second)["state"] == "offline"
    screen.wait_for_states("online", "idle", "online", "offline")


def test_one_of_two_active_tabs_closing_changes_nothing(api: Api, couple: MakeCouple, watching: Any) -> None:
    ana, ben, rel = couple()
    screen = watching(ben, rel)
    first, second = tab(), tab()
    beat(api, ana, first)
    beat(api, ana, second)
    assert close(api, ana, first)["state"] == "online"
    assert partner_of(api, ben)["state"] == "online"  # type: ignore[index]
    assert close(api, ana, second)["state"] == "offline"
    screen.wait_for_states("online", "offline")


@pytest.fixture
def fast_presence(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Heartbeats every 0.2 s, offline after 0.5 s, cleanup every 0.1 s (the same rules, sooner)."""
    monkeypatch.setenv("LUMI_PRESENCE_HEARTBEAT_SECONDS", "0.2")
    monkeypatch.setenv("LUMI_PRESENCE_OFFLINE_SECONDS", "0.5")
    monkeypatch.setenv("LUMI_PRESENCE_CLEANUP_SECONDS", "0.1")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_silent_tabs_time_out_through_the_cleanup_job(
    api: Api, couple: MakeCouple, watching: Any, fast_presence: None
) -> None:
    # given the scheduler running the registered cleanup job, and ana online with one tab
    ana, ben, rel = couple()
    screen = watching(ben, rel)
    scheduler = scheduler_from_registry().start()
    try:
        last_beat = datetime.now(UTC)
        beat(api, ana, tab())
        screen.wait_for_states("online")

        # when her tab stops beating (a laptop lid closed: no disconnect is ever sent)
        # then the cleanup job takes her offline and ben hears it, with her last beat as last seen
        screen.wait_for_states("online", "offline", timeout=5.0)
        seen = screen.last().presence.last_seen
        assert seen is not None and abs((seen - last_beat).total_seconds()) < 0.5
        read = partner_of(api, ben)
        assert read is not None and read["state"] == "offline" and datetime.fromisoformat(read["last_seen"]) == seen
        runs, failures = scheduler.stats("presence-cleanup")
        assert runs >= 1 and failures == 0
        assert presence_store.due(time.time()) == []  # nothing left for the next run to look at
    finally:
        scheduler.stop()


def test_a_silent_tab_is_offline_for_readers_even_before_the_cleanup_ran(
    api: Api, couple: MakeCouple, fast_presence: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # offline after 2 s here: long enough that a busy machine reads the fresh beat as online
    monkeypatch.setenv("LUMI_PRESENCE_OFFLINE_SECONDS", "2")
    reset_settings()
    ana, ben, _ = couple()
    before_beat = time.monotonic()
    beat(api, ana, tab())
    state = partner_of(api, ben)["state"]  # type: ignore[index]
    if time.monotonic() - before_beat < 2:  # (the beat cannot have aged out by the read)
        assert state == "online"
    deadline = time.monotonic() + 10
    while partner_of(api, ben)["state"] != "offline":  # type: ignore[index]
        assert time.monotonic() < deadline, "never went offline"
        time.sleep(0.05)
    assert presence.current_state(ana.user_id).state == "offline"


def test_partner_presence_shows_last_seen_when_offline(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    # never seen yet
    assert partner_of(api, ben) == {"user_id": ana.user_id, "state": "offline", "last_seen": None}

    connection = tab()
    online = beat(api, ana, connection)
    assert partner_of(api, ben)["state"] == "online"  # type: ignore[index]
    offline = close(api, ana, connection)

    seen = partner_of(api, ben)
    assert seen == {"user_id": ana.user_id, "state": "offline", "last_seen": offline["last_seen"]}
    assert offline["last_seen"] >= online["last_seen"]
    # and each side reads the other
    assert partner_of(api, ana) == {"user_id": ben.user_id, "state": "offline", "last_seen": None}


def test_an_unpaired_person_reads_nobodys_presence(api: Api, register: Register, couple: MakeCouple) -> None:
    # given someone online in a couple, and a person without a partner
    ana, ben, rel = couple()
    beat(api, ana, tab())
    loner = register("loner")

    # then the loner has no partner presence to read, and there is no route to anyone else's
    assert partner_of(api, loner) is None
    assert api.get(f"/presence/{ana.user_id}", token=loner.access_token)[0] == 404
    assert api.get("/presence/partner")[0] == 401

    # and once ben leaves, neither reads the other any more
    assert api.delete(f"/relationships/{rel}", token=ben.access_token)[0] == 204
    assert partner_of(api, ben) is None
    assert partner_of(api, ana) is None


def test_beats_of_an_unpaired_person_are_kept_but_told_to_nobody(api: Api, register: Register) -> None:
    loner = register("loner")
    assert beat(api, loner, tab())["state"] == "online"
    assert presence.current_state(loner.user_id).state == "online"


def test_tabs_beating_at_the_same_moment_all_land(register: Register) -> None:
    # given one person with many tabs beating at once, on separate threads
    ana = register("ana")
    tabs = [tab() for _ in range(12)]
    start = threading.Barrier(len(tabs))
    errors: list[BaseException] = []

    def beat_directly(connection_id: str, activity: str) -> None:
        try:
            start.wait(5)
            presence.heartbeat(ana.user_id, connection_id, activity)  # type: ignore[arg-type]
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=beat_directly, args=(t, "idle" if i % 2 else "active")) for i, t in enumerate(tabs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    # then no update was lost
    assert errors == []
    stored = presence_store.load(ana.user_id)
    assert set(stored.connections) == set(tabs)
    assert stored.state == "online"

    # and closing them all at once takes her offline exactly once
    closers = [threading.Thread(target=presence.disconnect, args=(ana.user_id, t)) for t in tabs]
    for thread in closers:
        thread.start()
    for thread in closers:
        thread.join(10)
    stored = presence_store.load(ana.user_id)
    assert dict(stored.connections) == {} and stored.state == "offline"
    assert ana.user_id not in presence_store.due(time.time() + 3600)


@pytest.mark.parametrize(
    "body",
    [
        {"connection_id": "short", "activity": "active"},
        {"connection_id": "has spaces in it", "activity": "active"},
        {"connection_id": "x" * 65, "activity": "active"},
        {"connection_id": "valid-tab-1", "activity": "sleeping"},
        {"connection_id": "valid-tab-1"},
    ],
)
def test_bad_heartbeats_are_422(api: Api, register: Register, body: dict[str, Any]) -> None:
    person = register("ana")
    status, answer = api.post("/presence/heartbeat", body, token=person.access_token)
    assert status == 422 and answer["error"]["code"] == "validation_error"


def test_the_cleanup_job_is_registered_for_eventbridge_and_the_local_scheduler() -> None:
    assert scheduled_job("presence-cleanup") == ScheduledJob(
        "presence-cleanup",
        "rate(1 minute)",
        "backend.jobs.presence_cleanup:handler",
        local_interval_setting="presence_cleanup_seconds",
        retry_attempts=0,
    )
