"""The music stats page's state: listening time per day (the last 30 days), a period's totals and
top songs, artists and albums, and the recently played list.

One fetch gathers the three reads (``music_stats``, ``listening_days``, ``recent_plays``); the
period switch fetches again keeping what is shown. The player records a listen through
``PlayerState.from_player("play")``; a counted one calls :meth:`MusicStatsState.play_recorded`,
which refreshes the page quietly when this tab shows it (one refetch per play), and a Refresh
button fetches again. The stream counts a play just after it is recorded: when recently played
holds more plays of the last 30 days than the days' counters, the counters lag, and the page
fetches again a moment later (a few times at most). The
pure formatting below (times, day labels, "when") is unit-tested.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx

from backend.contracts import ListeningDays, MusicStats, Play, PlayPage, TopAlbum, TopArtist, TopSong
from lumi_app import routes
from lumi_app.state.page_data import (
    ApiUnderLock,
    begin_load,
    begin_refresh,
    load_next_page,
    open_page,
    run_fetch,
)
from lumi_app.state.realtime import tab_shows
from lumi_app.state.session import ApiOutsideLock

DAYS = 30
TOP = 10
RECENT_PAGE = 20
COUNTING_DELAY = 1.0  # seconds between fetches while the stream is still counting a play
COUNTING_TRIES = 8
PERIODS = ("week", "month", "year", "all")
PERIOD_NAMES = {"week": "This week", "month": "This month", "year": "This year", "all": "All time"}


# ---------------------------------------------------------------- pure formatting


def listening_time(seconds: int | float) -> str:
    """0 min, 34 s, 45 min, 1 h, 2 h 5 min (rounded down to the minute past one)."""
    if 0 < seconds < 60:
        return f"{int(seconds)} s"
    minutes = max(0, int(seconds)) // 60
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def plays_words(count: int) -> str:
    return "1 play" if count == 1 else f"{count} plays"


def day_label(day: date) -> str:
    """The chart's short label: 6 Dec."""
    return f"{day.day} {day:%b}"


def day_name(day: date) -> str:
    """The summary's long label: Sunday 6 December."""
    return f"{day:%A} {day.day} {day:%B}"


def period_span(stats: MusicStats) -> str:
    """This week · 30 Nov – 6 Dec"""
    name = PERIOD_NAMES.get(stats.period, "")
    if stats.first_day is None or stats.last_day is None:
        return name
    return f"{name} · {day_label(stats.first_day)} – {day_label(stats.last_day)}"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def played_when(started_at: datetime, zone_name: str | None, now: datetime | None = None) -> str:
    """When a listen started, in the person's zone: Today 17:05, Yesterday 09:30, Thu 3 Dec 21:00,
    and 3 Dec 2025 for another year."""
    where = zone(zone_name)
    at = (started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)).astimezone(where)
    today = (now or datetime.now(UTC)).astimezone(where).date()
    clock = f"{at:%H:%M}"
    days = (today - at.date()).days
    if days == 0:
        return f"Today {clock}"
    if days == 1:
        return f"Yesterday {clock}"
    if at.year == today.year:
        return f"{at:%a} {at.day} {at:%b} {clock}"
    return f"{at.day} {at:%b} {at.year}"


def days_summary(days: ListeningDays) -> str:
    """What the chart says, in words (for a screen reader and as the chart's caption)."""
    total = sum(item.seconds for item in days.items)
    plays = sum(item.plays for item in days.items)
    if not plays:
        return f"No listening in the last {len(days.items)} days."
    best = max(days.items, key=lambda item: (item.seconds, item.day))
    active = sum(1 for item in days.items if item.plays)
    return (
        f"Last {len(days.items)} days: {listening_time(total)} over {plays_words(plays)} on "
        f"{active} {'day' if active == 1 else 'days'}; most on {day_name(best.day)} ({listening_time(best.seconds)})."
    )


# ---------------------------------------------------------------- rows


@dataclasses.dataclass
class DayRow:
    """One day of the table behind the chart."""

    day: str = ""
    name: str = ""
    time: str = ""
    plays: str = ""


@dataclasses.dataclass
class TopRow:
    key: str = ""  # song id (plays on click), or the album / artist page's URL
    name: str = ""
    detail: str = ""
    plays: int = 0
    plays_text: str = ""
    share: int = 0  # percent of the list's first, for a bar behind the row


@dataclasses.dataclass
class RecentRow:
    play_id: str = ""
    song_id: str = ""
    title: str = ""
    detail: str = ""
    when: str = ""


def counters_lag(stats: MusicStats, days: ListeningDays, recent: PlayPage) -> bool:
    """The stream has not counted the newest play everywhere yet (the three reads are made at
    once, so one may come from just before it): recently played holds more plays of the charted
    days than their counters, those days hold more plays of the period than its total, or the
    period's top songs do not add up to its total yet."""
    if not days.items:
        return False
    first = days.items[0].day
    seen = sum(1 for play in recent.items if play.local_day >= first)
    if seen > sum(item.plays for item in days.items):
        return True
    in_period = sum(
        item.plays
        for item in days.items
        if (stats.first_day is None or item.day >= stats.first_day)
        and (stats.last_day is None or item.day <= stats.last_day)
    )
    if in_period > stats.plays:
        return True
    # the top lists are merged just after the totals: fewer songs than asked for means all of
    # the period's songs are listed, so their plays add up to the total once merged
    return len(stats.songs) < TOP and sum(song.plays for song in stats.songs) < stats.plays


def chart_points(days: ListeningDays) -> list[dict[str, Any]]:
    return [
        {"label": day_label(item.day), "minutes": round(item.seconds / 60, 1), "plays": item.plays}
        for item in days.items
    ]


def day_rows(days: ListeningDays) -> list[DayRow]:
    """The days with plays, newest first (the screen reader's table)."""
    return [
        DayRow(item.day.isoformat(), day_name(item.day), listening_time(item.seconds), plays_words(item.plays))
        for item in reversed(days.items)
        if item.plays
    ]


def _shares(rows: list[TopRow]) -> list[TopRow]:
    most = max((row.plays for row in rows), default=0) or 1
    for row in rows:
        row.share = max(4, round(100 * row.plays / most))
    return rows


def song_rows(songs: list[TopSong]) -> list[TopRow]:
    return _shares([TopRow(s.song_id, s.title, s.artist or "", s.plays, plays_words(s.plays)) for s in songs])


def artist_rows(artists: list[TopArtist]) -> list[TopRow]:
    return _shares(
        [
            TopRow(routes.artist_url(a.artist_id), a.name or "Unknown artist", "", a.plays, plays_words(a.plays))
            for a in artists
        ]
    )


def album_rows(albums: list[TopAlbum]) -> list[TopRow]:
    return _shares(
        [
            TopRow(
                routes.album_url(a.album_id), a.name or "Unknown album", a.artist or "", a.plays, plays_words(a.plays)
            )
            for a in albums
        ]
    )


def recent_row(play: Play, zone_name: str | None, now: datetime | None = None) -> RecentRow:
    detail = " · ".join(part for part in (play.artist, play.album) if part)
    return RecentRow(play.play_id, play.song_id, play.title, detail, played_when(play.started_at, zone_name, now))


# ---------------------------------------------------------------- the state


class MusicStatsState(rx.State):
    period: str = "week"
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""

    span: str = ""
    total_plays: str = ""
    total_time: str = ""
    period_plays: int = 0
    chart: list[dict[str, Any]] = []
    days_text: str = ""
    days: list[DayRow] = []
    days_plays: int = 0
    zone_name: str = ""
    top_songs: list[TopRow] = []
    top_artists: list[TopRow] = []
    top_albums: list[TopRow] = []
    recent: list[RecentRow] = []
    has_more: bool = False
    loading_more: bool = False

    _next: str = ""
    _recounts: int = 0
    _visit: str = ""
    _generation: int = 0

    def _reset(self) -> None:
        self.period = "week"

    async def _get(self, api: ApiOutsideLock) -> tuple[MusicStats, ListeningDays, PlayPage]:
        period: Any = self.period if self.period in PERIODS else "week"
        stats, days, recent = await api.gather(
            lambda api, token: api.music_stats(token, period, limit=TOP),
            lambda api, token: api.listening_days(token, DAYS),
            lambda api, token: api.recent_plays(token, limit=RECENT_PAGE),
        )
        return stats, days, recent

    async def _show(self, data: tuple[MusicStats, ListeningDays, PlayPage]) -> Any:
        stats, days, recent = data
        self.span = period_span(stats)
        self.period_plays = stats.plays
        self.total_plays = plays_words(stats.plays)
        self.total_time = listening_time(stats.seconds)
        self.top_songs = song_rows(stats.songs)
        self.top_artists = artist_rows(stats.artists)
        self.top_albums = album_rows(stats.albums)
        self.chart = chart_points(days)
        self.days = day_rows(days)
        self.days_plays = sum(item.plays for item in days.items)
        self.days_text = days_summary(days)
        self.zone_name = days.time_zone
        now = datetime.now(UTC)
        self.recent = [recent_row(play, days.time_zone, now) for play in recent.items]
        self._next = recent.next or ""
        self.has_more = bool(recent.next)
        if counters_lag(stats, days, recent) and self._recounts < COUNTING_TRIES:
            self._recounts += 1
            return MusicStatsState.recount
        self._recounts = 0
        return None

    async def _show_more(self) -> None:
        next_token = self._next
        page = await ApiUnderLock(self).call(
            lambda api, token: api.recent_plays(token, next=next_token, limit=RECENT_PAGE)
        )
        known = {row.play_id for row in self.recent}
        now = datetime.now(UTC)
        rows = [recent_row(play, self.zone_name, now) for play in page.items if play.play_id not in known]
        self.recent = [*self.recent, *rows]
        self._next = page.next or ""
        self.has_more = bool(page.next)

    @rx.event
    async def load(self):
        return await open_page(self, MusicStatsState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show):
            yield update

    @rx.event
    def reload(self):
        self.error = ""
        return begin_load(self, MusicStatsState.fetch)

    @rx.event
    def refresh(self):
        return begin_refresh(self, MusicStatsState.fetch)

    @rx.event
    def set_period(self, period: str | list[str]):
        chosen = period[0] if isinstance(period, list) and period else period
        if chosen not in PERIODS or chosen == self.period:
            return None
        self.period = str(chosen)
        return begin_refresh(self, MusicStatsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    @rx.event
    async def play_recorded(self):
        """A play of mine was just recorded: refresh if this tab shows the page."""
        if not self.loaded or not await tab_shows(self, routes.MUSIC_STATS):
            return None
        self._recounts = 0
        return begin_refresh(self, MusicStatsState.fetch)

    @rx.event(background=True)
    async def recount(self):
        """The counters lagged behind recently played: fetch again in a moment."""
        await asyncio.sleep(COUNTING_DELAY)
        async with self:
            if not await tab_shows(self, routes.MUSIC_STATS):
                return
            update = begin_refresh(self, MusicStatsState.fetch)
        if update is not None:
            yield update
