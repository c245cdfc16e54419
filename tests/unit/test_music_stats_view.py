"""The stats page's formatting and the player's listen reports (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from backend.contracts import ListeningDay, ListeningDays, MusicStats, Play, PlayPage, TopAlbum, TopArtist, TopSong
from lumi_app import routes
from lumi_app.state.music_stats import (
    album_rows,
    artist_rows,
    chart_points,
    counters_lag,
    day_rows,
    days_summary,
    listening_time,
    period_span,
    played_when,
    recent_row,
    song_rows,
)
from lumi_app.state.player import play_report_from

NOW = datetime(2026, 12, 6, 17, 30, tzinfo=UTC)


def _days(*seconds_plays: tuple[int, int]) -> ListeningDays:
    first = date(2026, 12, 6) - timedelta(days=len(seconds_plays) - 1)
    items = [
        ListeningDay(day=first + timedelta(days=i), seconds=seconds, plays=plays)
        for i, (seconds, plays) in enumerate(seconds_plays)
    ]
    return ListeningDays(time_zone="Europe/Paris", items=items)


def test_listening_time_rounds_down_to_the_minute() -> None:
    assert [listening_time(s) for s in (0, 59, 60, 2700, 3600, 3660, 7500)] == [
        "0 min",
        "59 s",
        "1 min",
        "45 min",
        "1 h",
        "1 h 1 min",
        "2 h 5 min",
    ]


def test_when_a_listen_started_is_told_in_the_persons_zone() -> None:
    # 23:30 UTC on 5 Dec is already 6 Dec in Paris
    assert played_when(datetime(2026, 12, 5, 23, 30, tzinfo=UTC), "Europe/Paris", NOW) == "Today 00:30"
    assert played_when(datetime(2026, 12, 5, 23, 30, tzinfo=UTC), "UTC", NOW) == "Yesterday 23:30"
    assert played_when(datetime(2026, 12, 3, 20, 0, tzinfo=UTC), "Europe/Paris", NOW) == "Thu 3 Dec 21:00"
    assert played_when(datetime(2025, 12, 3, 20, 0, tzinfo=UTC), "UTC", NOW) == "3 Dec 2025"
    assert played_when(datetime(2026, 12, 6, 9, 0, tzinfo=UTC), "Not/AZone", NOW) == "Today 09:00"


def test_the_days_chart_its_summary_and_table() -> None:
    days = _days((0, 0), (150, 1), (0, 0), (2700, 3))
    assert [point["minutes"] for point in chart_points(days)] == [0, 2.5, 0, 45.0]
    assert chart_points(days)[-1]["label"] == "6 Dec"
    assert days_summary(days) == ("Last 4 days: 47 min over 4 plays on 2 days; most on Sunday 6 December (45 min).")
    assert [(row.name, row.time, row.plays) for row in day_rows(days)] == [
        ("Sunday 6 December", "45 min", "3 plays"),
        ("Friday 4 December", "2 min", "1 play"),
    ]
    assert days_summary(_days((0, 0), (0, 0))) == "No listening in the last 2 days."


def test_top_lists_link_to_their_pages_with_a_share_of_the_first() -> None:
    songs = song_rows(
        [TopSong(song_id="s1", title="Jude", artist="B", plays=4), TopSong(song_id="s2", title="X", plays=1)]
    )
    assert [(row.key, row.plays_text, row.share) for row in songs] == [("s1", "4 plays", 100), ("s2", "1 play", 25)]
    artists = artist_rows([TopArtist(artist_id="a b", name="", plays=2)])
    assert (artists[0].key, artists[0].name) == (routes.artist_url("a b"), "Unknown artist")
    albums = album_rows([TopAlbum(album_id="al", name="Abbey", artist="B", plays=3)])
    assert (albums[0].key, albums[0].detail) == (routes.album_url("al"), "B")


def test_a_period_and_a_recent_play() -> None:
    stats = MusicStats(
        period="week",
        first_day=date(2026, 11, 30),
        last_day=date(2026, 12, 6),
        time_zone="UTC",
        plays=1,
        seconds=60,
        songs=[],
        artists=[],
        albums=[],
    )
    assert period_span(stats) == "This week · 30 Nov – 6 Dec"
    assert period_span(stats.model_copy(update={"period": "all", "first_day": None, "last_day": None})) == "All time"
    play = Play(
        play_id="p",
        song_id="s",
        title="Jude",
        artist="B",
        album=None,
        listened_seconds=40,
        started_at=NOW - timedelta(minutes=5),
        local_day=date(2026, 12, 6),
    )
    row = recent_row(play, "UTC", NOW)
    assert (row.title, row.detail, row.when) == ("Jude", "B", "Today 17:25")


def test_a_listen_report_from_the_player_is_checked_before_it_goes_to_the_api() -> None:
    data = {
        "play_id": "0f3a9c1e2b7d4e5f8a6b1c2d3e4f5a6b",
        "song_id": "01JSONG",
        "started_at": "2026-12-06T17:00:00.123Z",
        "listened_seconds": 31.5,
    }
    report = play_report_from(data)
    assert report is not None
    assert report.started_at == datetime(2026, 12, 6, 17, 0, 0, 123000, tzinfo=UTC)
    assert report.listened_seconds == 31.5
    for broken in (
        {**data, "play_id": "no spaces allowed"},
        {**data, "play_id": ""},
        {**data, "song_id": None},
        {**data, "started_at": "yesterday"},
        {**data, "listened_seconds": -1},
        {**data, "listened_seconds": "lots"},
        {},
    ):
        assert play_report_from(broken) is None, broken


def test_counters_lag_when_one_read_is_older_than_another() -> None:
    def play(day: date) -> Play:
        at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return Play(play_id=f"p{day}", song_id="s", title="T", listened_seconds=40, started_at=at, local_day=day)

    def week(plays: int, listed: int | None = None) -> MusicStats:
        first, last = date(2026, 11, 30), date(2026, 12, 6)
        songs = [TopSong(song_id="s", title="T", plays=plays if listed is None else listed)] if plays else []
        lists: dict = {"songs": songs, "artists": [], "albums": []}
        return MusicStats(
            period="week", first_day=first, last_day=last, time_zone="UTC", plays=plays, seconds=0, **lists
        )

    days = _days((0, 0), (150, 1))  # 5 and 6 Dec, one play counted
    old = play(date(2026, 11, 1))  # before the charted days: not in their counters
    assert not counters_lag(week(1), days, PlayPage(items=[play(date(2026, 12, 6)), old]))
    # recently played has a play the days do not count yet
    assert counters_lag(week(2), days, PlayPage(items=[play(date(2026, 12, 6)), play(date(2026, 12, 5)), old]))
    # the days count a play of this week its total does not have yet
    assert counters_lag(week(0), days, PlayPage(items=[play(date(2026, 12, 6))]))
    # the total counts a play the top songs do not list yet
    assert counters_lag(week(1, listed=0), days, PlayPage(items=[play(date(2026, 12, 6))]))
    all_time = week(5).model_copy(update={"period": "all", "first_day": None, "last_day": None})
    assert not counters_lag(all_time, days, PlayPage(items=[play(date(2026, 12, 6))]))
    assert not counters_lag(week(0), ListeningDays(time_zone="UTC", items=[]), PlayPage(items=[old]))
