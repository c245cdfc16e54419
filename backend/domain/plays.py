"""Listening history and stats: when a listen counts as a play, which days and periods it
belongs to, and the routes' flows (record a play, recently played, a period's stats, the
listening time per day). Counters are kept by the stream (``backend.streams.plays``); the
design and its reasons are in docs/music-stats.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import contracts
from backend.domain import music
from backend.domain.errors import Conflict, ValidationFailed
from backend.domain.models import Caller
from backend.store import date_reminders, keys, records
from backend.store import plays as store

# The common scrobbling rule: a song longer than this counts …
MIN_SONG_SECONDS = 30.0
# … once half of it, or this much, whichever comes first, has been heard.
ENOUGH_SECONDS = 240.0
# A listen reported late (offline) is still taken this long after it started …
LATE_REPORT = timedelta(days=14)
# … and one "starting" a little in the future is a device clock running fast.
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_ZONE = "UTC"
TOP_DEFAULT = contracts.STATS_TOP_DEFAULT
PLAYS_PAGE_DEFAULT = contracts.PLAYS_PAGE_DEFAULT
PLAYS_PAGE_MAX = contracts.PLAYS_PAGE_MAX


# ---------------------------------------------------------------- pure rules


def threshold_seconds(duration_seconds: float | None) -> float | None:
    """How much of a song must be heard for it to count; None when it never counts (30 s or
    shorter, or of unknown length)."""
    if duration_seconds is None or duration_seconds <= MIN_SONG_SECONDS:
        return None
    return min(duration_seconds / 2, ENOUGH_SECONDS)


def counts_as_play(duration_seconds: float | None, listened_seconds: float) -> bool:
    """A song longer than 30 s counts once half its length or 4 minutes, whichever comes first,
    has been heard."""
    threshold = threshold_seconds(duration_seconds)
    return threshold is not None and listened_seconds >= threshold


def counted_seconds(duration_seconds: float | None, listened_seconds: float) -> int:
    """The listening time a play adds: what was heard, never more than the song lasts."""
    longest = math.ceil(duration_seconds) if duration_seconds else 0
    return max(0, min(int(listened_seconds), longest))


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local_day(at: datetime, zone: str | None) -> date:
    """The day ``at`` falls on in a person's zone."""
    return at.astimezone(zone_of(zone)).date()


def period_bounds(period: str, today: date) -> tuple[str, date | None, date | None]:
    """The key, first and last day of the period (``week`` ISO, Monday start; ``month``;
    ``year``; ``all``: no bounds) that holds ``today``."""
    week, month, year, all_time = keys.period_keys(today.isoformat())
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return week, monday, monday + timedelta(days=6)
    if period == "month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return month, first, following - timedelta(days=1)
    if period == "year":
        return year, today.replace(month=1, day=1), today.replace(month=12, day=31)
    return all_time, None, None


def check_started_at(started_at: datetime, now: datetime) -> datetime:
    """When a reported listen started, in UTC; 422 unless within the last 14 days (or a few
    minutes ahead: a device's clock)."""
    wrong = ValidationFailed({"started_at": "A listen can be recorded only within 14 days of when it started."})
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    try:
        in_utc = started_at.astimezone(UTC)
    except OverflowError:  # the year 1 east of Greenwich, or 9999 west of it
        raise wrong from None
    if in_utc > now + CLOCK_SKEW or in_utc < now - LATE_REPORT:
        raise wrong
    return in_utc


# ---------------------------------------------------------------- flows


def person_zone(user_id: str) -> str:
    """The zone the person's days are counted in: the one stored with their date reminders."""
    found = date_reminders.reminder_time(user_id)
    return found.time_zone if found else DEFAULT_ZONE


def _play_view(play: store.PlayRecord) -> contracts.Play:
    return contracts.Play(
        play_id=play.play_id,
        song_id=play.song_id,
        title=play.title,
        artist=play.artist,
        album=play.album,
        duration_seconds=play.duration_seconds,
        listened_seconds=play.listened_seconds,
        started_at=play.started_at,
        local_day=date.fromisoformat(play.local_day),
    )


def record(caller: Caller, report: contracts.PlayReport) -> contracts.PlayRecorded:
    """Record a listen if it counts (idempotent by the client's ``play_id``)."""
    earlier = store.claimed(caller.user_id, report.play_id)
    if earlier is not None:
        return contracts.PlayRecorded(counted=True, play=_play_view(earlier))
    started_at = check_started_at(report.started_at, records.now())
    song = music.readable(caller, report.song_id)
    if song.status != "ready":
        raise Conflict("This song is not ready to play yet.", code="song_not_ready")
    if not counts_as_play(song.duration_seconds, report.listened_seconds):
        return contracts.PlayRecorded(counted=False, play=None)
    zone = person_zone(caller.user_id)
    play = store.PlayRecord(
        user_id=caller.user_id,
        play_id=store.new_play_id(started_at),
        song_id=song.song_id,
        title=song.title,
        artist=song.artist,
        album=song.album,
        album_key=keys.album_key_of(song.album, song.album_artist, song.artist),
        album_artist=song.album_artist or song.artist,
        duration_seconds=song.duration_seconds,
        listened_seconds=counted_seconds(song.duration_seconds, report.listened_seconds),
        started_at=started_at,
        time_zone=zone,
        local_day=local_day(started_at, zone).isoformat(),
    )
    kept = store.put(play, report.play_id)
    return contracts.PlayRecorded(counted=True, play=_play_view(kept))


def recent(caller: Caller, limit: int | None, next_token: str | None) -> contracts.PlayPage:
    size = min(max(1, limit or PLAYS_PAGE_DEFAULT), PLAYS_PAGE_MAX)
    found, token = store.recent(caller.user_id, size, next_token)
    return contracts.PlayPage(items=[_play_view(play) for play in found], next=token)


@dataclass(frozen=True)
class Today:
    zone: str
    day: date


def _today(user_id: str) -> Today:
    zone = person_zone(user_id)
    return Today(zone, local_day(records.now(), zone))


def stats(caller: Caller, period: contracts.StatsPeriod, limit: int | None) -> contracts.MusicStats:
    """A period's plays, listening time and top songs, artists and albums: one GetItem."""
    today = _today(caller.user_id)
    key, first, last = period_bounds(period, today.day)
    top = store.top(caller.user_id, key)
    size = min(max(1, limit or TOP_DEFAULT), store.TOP_KEPT)
    album_ids = {entry.key: music.encode_library_id(entry.key) for entry in top.albums}
    return contracts.MusicStats(
        period=period,
        first_day=first,
        last_day=last,
        time_zone=today.zone,
        plays=top.plays,
        seconds=top.seconds,
        songs=[
            contracts.TopSong(song_id=entry.key, title=entry.name, artist=entry.artist, plays=entry.plays)
            for entry in top.songs[:size]
        ],
        artists=[
            contracts.TopArtist(artist_id=music.encode_library_id(entry.key), name=entry.name, plays=entry.plays)
            for entry in top.artists[:size]
        ],
        albums=[
            contracts.TopAlbum(album_id=album_ids[entry.key], name=entry.name, artist=entry.artist, plays=entry.plays)
            for entry in top.albums[:size]
        ],
    )


def days(caller: Caller, count: int) -> contracts.ListeningDays:
    """Listening time and plays per day over the last ``count`` days (today included): one Query."""
    today = _today(caller.user_id)
    first = today.day - timedelta(days=count - 1)
    found = store.days(caller.user_id, first.isoformat(), today.day.isoformat())
    items = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        seconds, plays = found.get(day.isoformat(), (0, 0))
        items.append(contracts.ListeningDay(day=day, seconds=seconds, plays=plays))
    return contracts.ListeningDays(time_zone=today.zone, items=items)
