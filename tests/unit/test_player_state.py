"""What the player's state hands the browser's player, and takes back from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from backend.contracts import PlayerState, PlayerView, QueueEntry, Song
from lumi_app.state.player import QueuedSong, _update_from, clock, load_script, queue_script


def _entry(entry_id: str, title: str, **song: object) -> QueueEntry:
    fields = {
        "song_id": f"s-{entry_id}",
        "owner_id": "u1",
        "mine": True,
        "status": "ready",
        "title": title,
        "content_type": "audio/mpeg",
        "size": 1000,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "duration_seconds": 125.4,
        "stream_url": f"https://storage.example/{entry_id}?sig=1",
    } | song
    return QueueEntry(entry_id=entry_id, song=Song.model_validate(fields))


def _args(script: str, method: str) -> list[object]:
    prefix = f"window.lumiPlayer && window.lumiPlayer.{method}("
    assert script.startswith(prefix) and script.endswith(")")
    return json.loads(f"[{script[len(prefix) : -1]}]")


def test_load_hands_the_queue_with_urls_loudness_and_how_it_plays() -> None:
    view = PlayerView(
        state=PlayerState(current_entry_id="e2", position_seconds=42.5, shuffle=True, repeat="one", volume=0.5),
        queue=[_entry("e1", "Morning Light", loudness_lufs=-9.5, cover_url="https://c/1"), _entry("e2", "Slow")],
    )
    songs, index, position, autoplay, options = _args(load_script(view, 1, 42.5, False), "load")
    assert [song["entry_id"] for song in songs] == ["e1", "e2"]
    assert songs[0]["stream_url"] == "https://storage.example/e1?sig=1"
    assert songs[0]["loudness_lufs"] == -9.5 and songs[1]["loudness_lufs"] is None
    assert songs[0]["cover_url"] == "https://c/1" and songs[1]["cover_url"] == ""
    assert (index, position, autoplay) == (1, 42.5, False)
    assert options == {"shuffle": True, "repeat": "one", "volume": 0.5}


def test_a_title_cannot_end_the_script() -> None:
    view = PlayerView(state=PlayerState(), queue=[_entry("e1", '</script><b>"x"')])
    script = queue_script(view)
    assert "</" not in script
    assert _args(script, "setQueue")[0][0]["title"] == '</script><b>"x"'


def test_what_the_browser_reports_is_made_safe_for_the_api() -> None:
    update = _update_from({"position": 1e9, "volume": -3, "repeat": "sometimes", "shuffle": 1}, "e1")
    assert update.position_seconds == 24 * 3600
    assert update.volume == 0 and update.repeat == "off" and update.shuffle is True
    assert _update_from({"position": "NaN", "volume": "loud"}, None).model_dump() == {
        "current_entry_id": None,
        "position_seconds": 0.0,
        "shuffle": False,
        "repeat": "off",
        "volume": 1.0,
    }


def test_the_queue_shows_times_as_a_clock() -> None:
    assert QueuedSong.of(_entry("e1", "Song")).duration == "2:05"
    assert clock(None) == "0:00" and clock(3599.9) == "59:59"
