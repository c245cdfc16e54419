"""Listening history's pure rules: when a listen counts as a play (the scrobbling rule, at its
exact threshold), which local day and periods it falls in, and how top lists are cut."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backend.domain import plays
from backend.domain.errors import ValidationFailed
from backend.store import keys
from backend.store import plays as store


@pytest.mark.parametrize(
    ("duration", "threshold"),
    [
        (30.0, None),  # 30 s or shorter never counts
        (12.0, None),
        (None, None),
        (30.5, 15.25),  # just over 30 s: half of it
        (200.0, 100.0),
        (480.0, 240.0),  # 8 minutes: half is 4 minutes exactly
        (600.0, 240.0),  # longer: 4 minutes come first
    ],
)
def test_the_threshold_is_half_the_song_or_four_minutes(duration: float | None, threshold: float | None) -> None:
    assert plays.threshold_seconds(duration) == threshold


@pytest.mark.parametrize(("duration", "threshold"), [(30.5, 15.25), (200.0, 100.0), (480.0, 240.0), (3600.0, 240.0)])
def test_a_listen_counts_exactly_at_the_threshold_and_not_before(duration: float, threshold: float) -> None:
    assert plays.counts_as_play(duration, threshold)
    assert plays.counts_as_play(duration, threshold + 0.001)
    assert not plays.counts_as_play(duration, threshold - 0.001)
    assert not plays.counts_as_play(duration, 0)


def test_a_short_song_never_counts_however_long_it_is_heard() -> None:
    assert not plays.counts_as_play(30.0, 30.0)
    assert not plays.counts_as_play(20.0, 1000.0)
    assert not plays.counts_as_play(None, 1000.0)


def test_listening_time_is_capped_at_the_song_length() -> None:
    assert plays.counted_seconds(200.0, 150.7) == 150
    assert plays.counted_seconds(200.4, 5000.0) == 201
    assert plays.counted_seconds(None, 50.0) == 0


def test_the_local_day_follows_the_person_zone() -> None:
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert plays.local_day(late, "UTC") == date(2026, 12, 6)
    assert plays.local_day(late, "Europe/Berlin") == date(2026, 12, 7)
    assert plays.local_day(late, "America/Los_Angeles") == date(2026, 12, 6)
    assert plays.local_day(late, "Not/AZone") == date(2026, 12, 6)  # an unknown zone is UTC


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-06", ["W2026-W49", "M2026-12", "Y2026", "ALL"]),  # a Sunday: still the week of Monday 30 Nov
        ("2026-12-07", ["W2026-W50", "M2026-12", "Y2026", "ALL"]),  # Monday starts a new week
        ("2027-01-01", ["W2026-W53", "M2027-01", "Y2027", "ALL"]),  # ISO week of the year before
        ("2024-12-30", ["W2025-W01", "M2024-12", "Y2024", "ALL"]),  # ISO week of the year after
    ],
)
def test_periods_are_iso_weeks_months_years_and_all_time(day: str, expected: list[str]) -> None:
    assert keys.period_keys(day) == expected


def test_period_bounds_start_weeks_on_monday() -> None:
    sunday = date(2026, 12, 6)
    assert plays.period_bounds("week", sunday) == ("W2026-W49", date(2026, 11, 30), date(2026, 12, 6))
    assert plays.period_bounds("week", date(2026, 11, 30))[1:] == (date(2026, 11, 30), date(2026, 12, 6))
    assert plays.period_bounds("month", date(2024, 2, 10)) == ("M2024-02", date(2024, 2, 1), date(2024, 2, 29))
    assert plays.period_bounds("month", date(2026, 12, 31))[2] == date(2026, 12, 31)
    assert plays.period_bounds("year", sunday) == ("Y2026", date(2026, 1, 1), date(2026, 12, 31))
    assert plays.period_bounds("all", sunday) == ("ALL", None, None)


def test_a_listen_is_taken_within_fourteen_days_and_a_little_clock_skew() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert plays.check_started_at(now - timedelta(days=14), now) == now - timedelta(days=14)
    assert plays.check_started_at(now + timedelta(minutes=5), now) == now + timedelta(minutes=5)
    assert plays.check_started_at(datetime(2026, 12, 6, 11, 0), now) == datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    edges = (
        datetime.min.replace(tzinfo=timezone(timedelta(hours=14))),
        datetime.max.replace(tzinfo=timezone(-timedelta(hours=12))),
    )
    for wrong in (now - timedelta(days=14, seconds=1), now + timedelta(minutes=5, seconds=1), *edges):
        with pytest.raises(ValidationFailed):
            plays.check_started_at(wrong, now)


def test_play_ids_order_by_start_time() -> None:
    first = store.new_play_id(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    second = store.new_play_id(datetime(2026, 12, 6, 12, 0, 0, 1, tzinfo=UTC))
    assert first < second and len(first) == 22


def test_top_lists_keep_the_most_played_then_key_order() -> None:
    entries = {f"s{n:03d}": {"plays": n % 7, "name": f"Song {n}"} for n in range(120)}
    kept = store.best(entries)
    assert len(kept) == store.TOP_KEPT
    counts = [entry["plays"] for _key, entry in kept]
    assert counts == sorted(counts, reverse=True) and counts[0] == 6
    sixes = [key for key, entry in kept if entry["plays"] == 6]
    assert sixes == sorted(sixes)


def test_a_play_counts_for_its_song_artist_and_album_when_it_has_them() -> None:
    def record(artist: str | None, album: str | None) -> store.PlayRecord:
        return store.PlayRecord(
            user_id="ana",
            play_id="p1",
            song_id="s1",
            title="One",
            artist=artist,
            album=album,
            album_key=keys.album_key_of(album, None, artist),
            album_artist=artist,
            duration_seconds=200.0,
            listened_seconds=150,
            started_at=datetime(2026, 12, 6, tzinfo=UTC),
            time_zone="UTC",
            local_day="2026-12-06",
        )

    full = store.counted_things(record("Björk", "Post"))
    assert [(thing.kind, thing.key, thing.name) for thing in full] == [
        ("song", "s1", "One"),
        ("artist", "bjork", "Björk"),
        ("album", "post#bjork", "Post"),
    ]
    assert [thing.kind for thing in store.counted_things(record(None, None))] == ["song"]
    assert [thing.kind for thing in store.counted_things(record(None, "Post"))] == ["song", "album"]
