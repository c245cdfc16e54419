"""Plays and listening stats on the real local stack: a listen counts exactly at the scrobbling
threshold and not before, a retried report records nothing new, the stream's counters are exact
however often its records are replayed, top lists stay exact when entries are dropped and come
back, days are the person's zone's, and nobody else can name, see or count my plays (404).

Songs are put ready straight into the table (the music job's path has its own tests): these
tests are about what a play does.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.local.stream_poller import StreamPoller
from backend.store import keys, table
from backend.store import music as music_store
from backend.store import plays as play_store
from backend.streams import plays as play_stream
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_moments import replay

_frequencies = itertools.count(1)


def ready_song(
    person: Person,
    title: str,
    artist: str | None = None,
    album: str | None = None,
    seconds: float = 200.0,
    status: str = "ready",
) -> str:
    song_id = music_store.new_song_id()
    table.put(
        music_store.song_item(
            music_store.SongRecord(
                owner_id=person.user_id,
                song_id=song_id,
                status=status,
                title=title,
                artist=artist,
                album=album,
                content_type="audio/mpeg",
                size=1000 + next(_frequencies),
                created_at=datetime.now(UTC),
                duration_seconds=seconds,
            )
        )
    )
    return song_id


def report(
    api: Api,
    person: Person,
    song_id: str,
    listened: float,
    play_id: str | None = None,
    started_at: datetime | None = None,
) -> tuple[int, Any]:
    return api.post(
        "/music/plays",
        {
            "play_id": play_id or uuid.uuid4().hex,
            "song_id": song_id,
            "started_at": (started_at or datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            "listened_seconds": listened,
        },
        token=person.access_token,
    )


def play(api: Api, person: Person, song_id: str, listened: float = 120.0) -> dict[str, Any]:
    status, body = report(api, person, song_id, listened)
    assert status == 200 and body["counted"], body
    return body["play"]


def recent(api: Api, person: Person, **query: str) -> dict[str, Any]:
    status, body = api.get("/music/plays", token=person.access_token, query=query)
    assert status == 200, body
    return body


def stats(api: Api, person: Person, period: str = "all", limit: int = 50) -> dict[str, Any]:
    status, body = api.get("/music/stats", token=person.access_token, query={"period": period, "limit": str(limit)})
    assert status == 200, body
    return body


def tops(body: dict[str, Any]) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    return (
        [(song["title"], song["plays"]) for song in body["songs"]],
        [(artist["name"], artist["plays"]) for artist in body["artists"]],
        [(album["name"], album["plays"]) for album in body["albums"]],
    )


def counters(person: Person) -> dict[str, Any]:
    """Every stats item of the person, as stored (what a replay must leave alone)."""
    kept = {}
    for item in table.query_all(("pk", keys.user_partition(person.user_id))):
        if item.get("type") in (play_store.LISTENING_DAY, play_store.PLAY_COUNT, play_store.PLAY_TOP):
            kept[item["sk"]] = {name: value for name, value in item.items() if name != "version"}
    return kept


@pytest.fixture
def drained(stream: StreamPoller) -> Iterator[StreamPoller]:
    stream.drain()  # what earlier tests left
    yield stream


def test_a_listen_counts_exactly_at_the_threshold_and_not_before(
    api: Api, register: Register, drained: StreamPoller
) -> None:
    ana = register("ana")
    song = ready_song(ana, "Long Road", "Ana", seconds=200.0)  # threshold: 100 s
    long_song = ready_song(ana, "Epic", "Ana", seconds=600.0)  # threshold: 4 minutes
    short = ready_song(ana, "Jingle", "Ana", seconds=30.0)  # never counts

    # when a listen stops just before half of the song
    status, body = report(api, ana, song, 99.999)
    # then it is not a play, and nothing is stored
    assert status == 200 and body == {"counted": False, "play": None}
    assert recent(api, ana)["items"] == []
    # and exactly at half it counts
    status, body = report(api, ana, song, 100.0, play_id="listen-1")
    assert status == 200 and body["counted"] and body["play"]["listened_seconds"] == 100
    # a long song counts at 4 minutes, not before; a 30-second one never
    assert report(api, ana, long_song, 239.99)[1]["counted"] is False
    assert report(api, ana, long_song, 240.0)[1]["counted"] is True
    assert report(api, ana, short, 30.0)[1]["counted"] is False
    # the same report again (a retry) answers the same play and records nothing new
    status, again = report(api, ana, song, 100.0, play_id="listen-1")
    assert status == 200 and again == body
    listed = recent(api, ana)["items"]
    assert [item["title"] for item in listed] == ["Epic", "Long Road"]
    # listening time is capped at the song's length
    capped = play(api, ana, song, listened=5000.0)
    assert capped["listened_seconds"] == 200


def test_recently_played_is_newest_first_in_pages(api: Api, register: Register, drained: StreamPoller) -> None:
    ana = register("ana")
    song = ready_song(ana, "Loop", "Ana", seconds=100.0)
    now = datetime.now(UTC)
    for minutes in (30, 10, 20, 40):  # reported out of order, as an offline device would
        status, body = report(api, ana, song, 60.0, started_at=now - timedelta(minutes=minutes))
        assert status == 200 and body["counted"], body
    first = recent(api, ana, limit="3")
    second = recent(api, ana, limit="3", next=first["next"])
    started = [item["started_at"] for item in first["items"] + second["items"]]
    assert len(started) == 4 and started == sorted(started, reverse=True)
    assert second["next"] is None


def test_wrong_reports_are_refused(api: Api, couple: MakeCouple, register: Register, drained: StreamPoller) -> None:
    ana, ben, _rel = couple()
    cleo = register("cleo")
    song = ready_song(ana, "Mine", "Ana")
    processing = ready_song(ana, "Soon", "Ana", status="processing")
    assert_error(report(api, ana, processing, 150.0), 409, "song_not_ready")
    old = datetime.now(UTC) - timedelta(days=15)
    assert_error(report(api, ana, song, 150.0, started_at=old), 422, "validation_error")
    assert_error(report(api, ana, song, -1.0), 422, "validation_error")
    # another couple's song, my partner's unshared song, a song that does not exist: 404 alike
    assert_error(report(api, cleo, song, 150.0), 404, "not_found")
    assert_error(report(api, ben, song, 150.0), 404, "not_found")
    assert_error(report(api, ana, music_store.new_song_id(), 150.0), 404, "not_found")
    # unauthenticated
    status, _ = api.get("/music/plays")
    assert status == 401


def test_stats_counters_are_exact_after_replaying_stream_records(
    api: Api, couple: MakeCouple, register: Register, drained: StreamPoller
) -> None:
    ana, ben, _rel = couple()
    cleo = register("cleo")
    # given Ana's days are counted in Auckland
    status, body = api.put("/dates/reminders/zone", {"time_zone": "Pacific/Auckland"}, token=ana.access_token)
    assert status == 200, body
    one = ready_song(ana, "One", "Björk", "Post", seconds=200.0)
    two = ready_song(ana, "Two", "Bjork", "Post", seconds=300.0)  # the same artist, folded
    three = ready_song(ana, "Three", "Ana", None, seconds=100.0)  # no album
    recorded = [play(api, ana, one, 150), play(api, ana, one, 150), play(api, ana, two, 160)]
    recorded += [play(api, ana, three, 70), play(api, ana, one, 120)]
    for recorded_play in recorded:  # each play's day is Auckland's day of its start
        started = datetime.fromisoformat(recorded_play["started_at"])
        assert recorded_play["local_day"] == started.astimezone(ZoneInfo("Pacific/Auckland")).date().isoformat()
    drained.drain()

    # then the counters are exact
    expected_songs = [("One", 3), ("Two", 1), ("Three", 1)]  # ties: by song id (the order they were added)
    all_time = stats(api, ana)
    assert all_time["plays"] == 5 and all_time["seconds"] == 150 + 150 + 160 + 70 + 120
    assert all_time["time_zone"] == "Pacific/Auckland" and all_time["first_day"] is None
    songs, artists, albums = tops(all_time)
    assert songs == expected_songs
    assert artists == [("Björk", 4), ("Ana", 1)]
    assert albums == [("Post", 4)]
    # the period of the plays' local day holds them all (read from the store: the API's "this
    # week" may have moved on if the test crosses midnight in Auckland)
    day = recorded[0]["local_day"]
    for period in keys.period_keys(day):
        top = play_store.top(ana.user_id, period)
        assert top.plays == 5 and [(entry.name, entry.plays) for entry in top.songs] == expected_songs
    days = api.get("/music/stats/days", token=ana.access_token, query={"days": "30"})[1]
    assert len(days["items"]) == 30 and days["items"][-1]["day"] >= day
    assert sum(item["plays"] for item in days["items"]) == 5
    assert sum(item["seconds"] for item in days["items"]) == 650
    before = counters(ana)

    # when every play's INSERT record is delivered again, twice, through the real handler,
    # and its step is run again directly
    for recorded_play in recorded:
        item = table.get(keys.play(ana.user_id, recorded_play["play_id"]))
        assert item is not None and item.get("counted_at")
        inserted = {name: value for name, value in item.items() if name != "counted_at"}
        replay("INSERT", new=inserted)
        replay("INSERT", new=inserted)
        play_stream.play_recorded(inserted)
    drained.drain()

    # then nothing moved
    assert counters(ana) == before
    assert tops(stats(api, ana)) == (songs, artists, albums)

    # and nobody else has any of it
    for other in (ben, cleo):
        assert recent(api, other)["items"] == []
        empty = stats(api, other, "week")
        assert empty["plays"] == 0 and empty["songs"] == [] and empty["seconds"] == 0
        other_days = api.get("/music/stats/days", token=other.access_token, query={"days": "7"})[1]
        assert [item["plays"] for item in other_days["items"]] == [0] * 7


def test_a_partner_counts_a_shared_song_in_their_own_stats(api: Api, couple: MakeCouple, drained: StreamPoller) -> None:
    ana, ben, _rel = couple()
    song = ready_song(ana, "Ours", "Ana & Ben", "Together")
    assert_error(report(api, ben, song, 150.0), 404, "not_found")
    status, body = api.patch(f"/music/songs/{song}", {"visibility": "partner"}, token=ana.access_token)
    assert status == 200, body
    play(api, ben, song)
    drained.drain()
    assert tops(stats(api, ben)) == ([("Ours", 1)], [("Ana & Ben", 1)], [("Together", 1)])
    assert stats(api, ana)["plays"] == 0


def test_top_lists_stay_exact_when_entries_drop_out_and_come_back(
    api: Api, register: Register, drained: StreamPoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given top lists of three (the stream handler runs in this process)
    monkeypatch.setattr(play_store, "TOP_KEPT", 3)
    ana = register("ana")
    songs = {name: ready_song(ana, name, f"Artist {name}", seconds=100.0) for name in "ABCDE"}
    # when plays come in an order where D and E are dropped, then overtake
    for name in "AAABBBCCCDDEDEDEDE":
        play(api, ana, songs[name], listened=50.0)
        drained.drain()
    # then the list holds the true top three: D (5), E (4), then A of the three with 3 (the
    # first added), although D and E were dropped on the way
    assert tops(stats(api, ana))[0] == [("D", 5), ("E", 4), ("A", 3)]
    assert stats(api, ana)["plays"] == 18
