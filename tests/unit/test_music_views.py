"""What the music pages say of songs and storage: durations, sizes and usage, a row's words and
playing order, the upload page's checks in the browser's terms, and what an edit changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.contracts import Song
from lumi_app.pages.music.upload import upload_status_words
from lumi_app.state.music import (
    SongRow,
    audio_type,
    changed_fields,
    count_words,
    file_problem,
    numbered,
    ready_ids,
    replace_row,
    size_words,
    song_duration,
    song_subtitle,
    usage_percent,
    usage_words,
    with_page,
    without_row,
)

MB = 1024 * 1024
GB = 1024 * MB


def song(song_id: str = "s1", **changes: object) -> Song:
    values: dict[str, object] = {
        "song_id": song_id,
        "owner_id": "u1",
        "mine": True,
        "status": "ready",
        "title": "Song " + song_id,
        "content_type": "audio/mpeg",
        "size": 4 * MB,
        "created_at": datetime(2026, 12, 6, tzinfo=UTC),
    }
    values.update(changes)
    return Song.model_validate(values)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, ""), (0, "0:00"), (7.4, "0:07"), (59.6, "1:00"), (187, "3:07"), (720, "12:00"), (3723, "1:02:03")],
)
def test_a_duration_is_minutes_and_seconds(seconds: float | None, words: str) -> None:
    assert song_duration(seconds) == words


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "0 KB"),
        (300, "1 KB"),
        (12 * 1024, "12 KB"),
        (340 * MB, "340 MB"),
        (5 * GB, "5 GB"),
        (int(1.23 * GB), "1.2 GB"),
    ],
)
def test_a_size_is_said_as_people_say_it(size: int, words: str) -> None:
    assert size_words(size) == words


def test_the_storage_used_reads_as_a_part_of_the_quota() -> None:
    assert usage_words(int(1.2 * GB), 5 * GB) == "1.2 GB of 5 GB used"
    assert usage_percent(int(1.2 * GB), 5 * GB) == 24
    assert usage_percent(7 * GB, 5 * GB) == 100
    assert usage_percent(0, 0) == 0


def test_a_row_names_artist_and_album_and_counts_read_naturally() -> None:
    assert song_subtitle("Nina", "Blue") == "Nina · Blue"
    assert song_subtitle("Nina", None) == "Nina"
    assert song_subtitle(None, " ") == "Unknown artist"
    assert count_words(1) == "1 song"
    assert count_words(3) == "3 songs"


def test_a_row_shows_a_shared_song_of_mine_and_a_refused_one() -> None:
    mine_shared = SongRow.of(song(visibility="partner", duration_seconds=61, artist="A", album="B", track_number=2))
    assert (mine_shared.shared, mine_shared.duration, mine_shared.subtitle, mine_shared.track_number) == (
        True,
        "1:01",
        "A · B",
        "2",
    )
    from_partner = SongRow.of(song(mine=False, visibility="partner"))
    assert from_partner.shared is False and from_partner.mine is False
    refused = SongRow.of(song(status="refused", refused_reason="You have this song already"))
    assert (refused.status, refused.refused_reason, refused.duration) == ("refused", "You have this song already", "")


def test_only_ready_songs_are_played_and_each_knows_its_place_among_them() -> None:
    rows = numbered([SongRow.of(song("a")), SongRow.of(song("b", status="processing")), SongRow.of(song("c"))])
    assert [row.play_index for row in rows] == [0, -1, 1]
    assert ready_ids(rows) == ["a", "c"]
    # b becomes ready: the places follow
    rows, found = replace_row(rows, SongRow.of(song("b")))
    assert found and [row.play_index for row in rows] == [0, 1, 2]
    assert [row.play_index for row in without_row(rows, "a")] == [0, 1]


def test_the_next_page_adds_only_songs_not_listed_yet() -> None:
    first = with_page([], [SongRow.of(song("a")), SongRow.of(song("b"))], more=False)
    rows = with_page(first, [SongRow.of(song("b")), SongRow.of(song("c"))], more=True)
    assert [row.song_id for row in rows] == ["a", "b", "c"]
    assert [row.play_index for row in rows] == [0, 1, 2]


@pytest.mark.parametrize(
    ("name", "browser_type", "expected"),
    [
        ("a.mp3", "audio/mpeg", "audio/mpeg"),
        ("a.opus", "", "audio/opus"),
        ("a.m4a", "audio/x-m4a", "audio/x-m4a"),
        ("a.FLAC", "application/octet-stream", "audio/flac"),
        ("notes.txt", "text/plain", "text/plain"),
    ],
)
def test_a_files_type_comes_from_the_browser_or_its_name(name: str, browser_type: str, expected: str) -> None:
    assert audio_type(name, browser_type) == expected


def test_the_browser_check_names_what_is_wrong_with_a_file() -> None:
    assert file_problem("a.mp3", "audio/mpeg", 5 * MB) == ""
    assert file_problem("notes.txt", "text/plain", 5 * MB).startswith("Not a song file")
    assert file_problem("big.wav", "audio/wav", 201 * MB) == "Too large (201 MB): songs can be up to 200 MB."
    assert file_problem("tiny.mp3", "audio/mpeg", 10) == "This file is too small to be a song."


def test_an_upload_row_says_where_the_file_is() -> None:
    assert upload_status_words("processing") == "Processing…"
    assert upload_status_words("refused", "You have this song already") == "Refused: You have this song already"
    assert upload_status_words("failed") == "Could not be uploaded"


def test_an_edit_sends_only_what_changed_and_checks_numbers_at_their_fields() -> None:
    before = {"title": "Old", "artist": "Nina", "album": "", "track_number": "3", "year": "2019", "genre": "Pop"}
    changes, problems = changed_fields(
        before,
        {"title": " New  title ", "artist": "Nina", "album": "Blue", "track_number": "", "year": "2019", "genre": ""},
    )
    assert changes == {"title": "New title", "album": "Blue", "track_number": None, "genre": ""}
    assert problems == {}
    _, problems = changed_fields(before, {"title": "", "year": "19x", "track_number": "0", "disc_number": "12345"})
    assert problems == {
        "title": "A song needs a title.",
        "year": "Year is a number.",
        "track_number": "Track is from 1 to 9999.",
        "disc_number": "Disc is a number.",
    }
