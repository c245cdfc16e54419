"""Music: what I listened to (plays, "recently played"), my listening stats, and searching my
library. Everything here is the caller's own: no route takes another person's id (a song id
of someone else's is a 404 like one that does not exist). Design: docs/music-stats.md.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router
from pydantic import StringConstraints

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import (
    MUSIC_SEARCH_LIMIT_DEFAULT,
    MUSIC_SEARCH_LIMIT_MAX,
    MUSIC_SEARCH_MAX,
    PLAYS_PAGE_DEFAULT,
    PLAYS_PAGE_MAX,
    STATS_DAYS_MAX,
    STATS_TOP_DEFAULT,
    STATS_TOP_MAX,
    ListeningDays,
    MusicSearchResults,
    MusicStats,
    PlayPage,
    PlayRecorded,
    PlayReport,
    StatsPeriod,
)

router = Router()
TAGS = ["music"]
# Blanks around the text are dropped before its length is checked (and before searching).
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MUSIC_SEARCH_MAX)]


@router.post(
    "/music/plays",
    tags=TAGS,
    security=BEARER,
    summary="Report a listen of a song I can hear: it counts as a play once half the song or 4 minutes, "
    "whichever comes first, was heard (songs longer than 30 seconds); `counted: false` otherwise. The same "
    "`play_id` again records nothing new (409 `song_not_ready`; 404 for a song I cannot hear)",
    responses=responses(200, PlayRecorded, 401, 404, 409),
)
def record_play(body: PlayReport, caller: CurrentCaller) -> PlayRecorded:
    from backend.domain import plays

    return plays.record(caller, body)


@router.get(
    "/music/plays",
    tags=TAGS,
    security=BEARER,
    summary="Recently played: my plays, newest first",
    responses=responses(200, PlayPage, 401),
)
def recent_plays(
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=PLAYS_PAGE_MAX)] = PLAYS_PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
) -> PlayPage:
    from backend.domain import plays

    return plays.recent(caller, limit, next_token)


@router.get(
    "/music/stats/days",
    tags=TAGS,
    security=BEARER,
    summary="My listening time and plays per day over the last days (today included), in my time zone",
    responses=responses(200, ListeningDays, 401),
)
def listening_days(caller: CurrentCaller, days: Annotated[int, Query(ge=1, le=STATS_DAYS_MAX)] = 30) -> ListeningDays:
    from backend.domain import plays

    return plays.days(caller, days)


@router.get(
    "/music/stats",
    tags=TAGS,
    security=BEARER,
    summary="My plays, listening time and top songs, artists and albums this week (Monday to Sunday), month, "
    "year or of all time, in my time zone",
    responses=responses(200, MusicStats, 401),
)
def stats(
    caller: CurrentCaller,
    period: Annotated[StatsPeriod, Query(description="`week`, `month`, `year` or `all`")] = "week",
    limit: Annotated[int, Query(ge=1, le=STATS_TOP_MAX, description="How many of each top list")] = STATS_TOP_DEFAULT,
) -> MusicStats:
    from backend.domain import plays

    return plays.stats(caller, period, limit)


@router.get(
    "/music/search",
    tags=TAGS,
    security=BEARER,
    summary="Find songs, albums and artists of my library (mine and those my partner shares with me) as I type: "
    "the last word may be unfinished, one or two typos and accents are forgiven, best match first",
    responses=responses(200, MusicSearchResults, 401),
)
def search_music(
    caller: CurrentCaller,
    q: Annotated[
        SearchText,
        Query(description=f"What to look for: 1 to {MUSIC_SEARCH_MAX} characters (blanks around it not counted)"),
    ],
    limit: Annotated[
        int, Query(ge=1, le=MUSIC_SEARCH_LIMIT_MAX, description="At most this many of each kind")
    ] = MUSIC_SEARCH_LIMIT_DEFAULT,
) -> MusicSearchResults:
    from backend.domain import music_search

    return music_search.search(caller, q, limit)
