"""The playlist pages' pure pieces: the one write a reorder needs, the order shown at once (mine,
and the partner's move heard live), the mosaic's cells, how long a playlist plays, and an
unavailable entry kept (greyed, not playable)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.contracts import PlaylistChangedMessage, PlaylistEntry, PlaylistMoved
from lumi_app.api_client import ApiError
from lumi_app.state.playlists import (
    EntryRow,
    anchor_for_step,
    heard_change,
    mosaic,
    move_problem,
    moved,
    numbered_entries,
    total_time,
)

IDS = ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("entry_id", "by", "expected"),
    [
        ("c", -1, (True, "a")),  # a c b d: c comes after a
        ("b", -1, (True, None)),  # to the start
        ("b", 1, (True, "c")),  # a c b d
        ("c", 1, (True, "d")),  # to the end
        ("a", -1, (False, None)),  # the first cannot go up
        ("d", 1, (False, None)),  # the last cannot go down
        ("x", 1, (False, None)),  # not there (removed meanwhile)
    ],
)
def test_a_step_up_or_down_is_one_move_after_the_entry_above_its_new_place(
    entry_id: str, by: int, expected: tuple[bool, str | None]
) -> None:
    assert anchor_for_step(IDS, entry_id, by) == expected


def test_the_order_shown_at_once_is_the_order_the_api_makes() -> None:
    for entry_id in IDS:
        for by in (-1, 1):
            can, after = anchor_for_step(IDS, entry_id, by)
            if can:
                order = moved(IDS, entry_id, after)
                assert order.index(entry_id) == IDS.index(entry_id) + by
                assert sorted(order) == sorted(IDS)
    assert moved(IDS, "d", None) == ["d", "a", "b", "c"]
    assert moved(IDS, "a", "c") == ["b", "c", "a", "d"]


def test_mosaic_has_four_cells_or_none() -> None:
    assert mosaic([]) == []
    assert mosaic(["1", "2"]) == ["1", "2", "", ""]
    assert mosaic(["1", "2", "3", "4", "5"]) == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, ""), (45, "45 s"), (61, "1 min"), (23 * 60 + 10, "23 min"), (3600, "1 h"), (3900, "1 h 5 min")],
)
def test_total_time_in_words(seconds: float, words: str) -> None:
    assert total_time(seconds) == words


def _entry(entry_id: str, *, available: bool) -> PlaylistEntry:
    return PlaylistEntry(
        entry_id=entry_id,
        song_id=f"song-{entry_id}",
        available=available,
        title=f"Title {entry_id}",
        artist=None,
        duration_seconds=185,
        added_by="u1",
        added_at=datetime(2026, 12, 6, tzinfo=UTC),
    )


def test_an_unavailable_entry_is_kept_greyed_and_skipped_when_playing() -> None:
    rows = numbered_entries([EntryRow.of(_entry(i, available=i != "b")) for i in "abc"])
    assert [row.title for row in rows] == ["Title a", "Title b", "Title c"]
    assert [row.play_index for row in rows] == [0, -1, 1]
    assert rows[1].available is False and rows[1].artist == "Unknown artist" and rows[1].duration == "3:05"


@pytest.mark.parametrize(("status", "word"), [(404, "removed"), (409, "same moment"), (422, "same moment")])
def test_a_refused_move_says_why(status: int, word: str) -> None:
    assert word in move_problem(ApiError(status, "x", "Nope"))


def _heard(**change: object) -> PlaylistChangedMessage:
    return PlaylistChangedMessage(playlist_id="p1", change="entries", by_user_id="u2", **change)


def test_a_move_or_removal_heard_live_shows_at_once_and_anything_else_waits_for_the_refetch() -> None:
    rows = numbered_entries([EntryRow.of(_entry(i, available=i != "b")) for i in "abcd"])

    def order(shown: list[EntryRow] | None) -> list[str] | None:
        return None if shown is None else [row.entry_id for row in shown]

    # the partner moved d after a, then a to the start: the same order the API made
    assert order(heard_change(rows, _heard(moved=PlaylistMoved(entry_id="d", after_entry_id="a")))) == list("adbc")
    assert order(heard_change(rows, _heard(moved=PlaylistMoved(entry_id="c", after_entry_id=None)))) == list("cabd")
    # a removal: gone, and the places to play from follow (b is unavailable)
    shown = heard_change(rows, _heard(removed_entry_id="a"))
    assert order(shown) == list("bcd") and shown is not None and [row.play_index for row in shown] == [-1, 0, 1]
    # what names an entry this page does not hold, or nothing, is left to the refetch
    assert heard_change(rows, _heard(removed_entry_id="x")) is None
    assert heard_change(rows, _heard(moved=PlaylistMoved(entry_id="x", after_entry_id="a"))) is None
    assert heard_change(rows, _heard(moved=PlaylistMoved(entry_id="a", after_entry_id="x"))) is None
    assert heard_change(rows, _heard()) is None
