"""The couple's dates: the month and upcoming views, adding, editing and deleting a date, and
each person's private calendar feed (an .ics URL a calendar app subscribes to)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.api.ratelimit import hit
from backend.contracts import (
    DATES_UPCOMING_DEFAULT,
    DATES_UPCOMING_MAX,
    MONTH_PATTERN,
    CalendarFeed,
    CalendarMonth,
    CoupleDate,
    CoupleDateCreate,
    CoupleDateUpdate,
    DateReminderTime,
    DateReminderTimeView,
    DateReminderZone,
    UpcomingDates,
)

router = Router()
TAGS = ["dates"]
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


@router.get(
    "/dates",
    tags=TAGS,
    security=BEARER,
    summary="Everything in a month: the couple's dates (yearly ones in every year) and the anniversary",
    responses=responses(200, CalendarMonth, 401, 409),
)
def month(
    caller: CurrentCaller,
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="`YYYY-MM`, e.g. `2026-12`")],
) -> CalendarMonth:
    from backend.domain import dates

    return dates.month(caller, month)


@router.get(
    "/dates/upcoming",
    tags=TAGS,
    security=BEARER,
    summary="What comes next, soonest first, from `from` (the caller's today; else today in UTC)",
    responses=responses(200, UpcomingDates, 401, 409),
)
def upcoming(
    caller: CurrentCaller,
    from_day: Annotated[date | None, Query(alias="from", description="The caller's own today, `YYYY-MM-DD`")] = None,
    limit: Annotated[int, Query(ge=1, le=DATES_UPCOMING_MAX)] = DATES_UPCOMING_DEFAULT,
) -> UpcomingDates:
    from backend.domain import dates

    return dates.upcoming(caller, from_day, limit)


@router.get(
    "/dates/reminders",
    tags=TAGS,
    security=BEARER,
    summary="When my date reminders come (`chosen: false`: the default, 09:00 in the zone my app gave)",
    responses=responses(200, DateReminderTimeView, 401),
)
def reminder_time(caller: CurrentCaller) -> DateReminderTimeView:
    from backend.domain import date_reminders

    return date_reminders.reminder_time(caller)


@router.put(
    "/dates/reminders",
    tags=TAGS,
    security=BEARER,
    summary="Choose when my date reminders come: a quarter hour in a time zone (independent of affirmations)",
    responses=responses(200, DateReminderTimeView, 401, 422),
)
def set_reminder_time(body: DateReminderTime, caller: CurrentCaller) -> DateReminderTimeView:
    from backend.domain import date_reminders

    return date_reminders.set_time(caller, body)


@router.put(
    "/dates/reminders/zone",
    tags=TAGS,
    security=BEARER,
    summary="The app's time zone for the default reminder time (09:00); a time I chose is kept",
    responses=responses(200, DateReminderTimeView, 401, 422),
)
def set_reminder_zone(body: DateReminderZone, caller: CurrentCaller) -> DateReminderTimeView:
    from backend.domain import date_reminders

    return date_reminders.set_zone(caller, body)


@router.post(
    "/dates",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Add a date to the couple's calendar (409 `too_many_dates` past the cap, `not_paired` alone)",
    responses=responses(201, CoupleDate, 401, 409, description="Added"),
)
def add(body: CoupleDateCreate, caller: CurrentCaller) -> CoupleDate:
    from backend.domain import dates

    return dates.add(caller, body)


@router.get(
    "/dates/<date_id>",
    tags=TAGS,
    security=BEARER,
    summary="One of the couple's dates",
    responses=responses(200, CoupleDate, 401, 404, 409),
)
def one(date_id: PathId, caller: CurrentCaller) -> CoupleDate:
    from backend.domain import dates

    return dates.get(caller, date_id)


@router.patch(
    "/dates/<date_id>",
    tags=TAGS,
    security=BEARER,
    summary="Change one of the couple's dates (either partner); `time` or `notes` as null removes them",
    responses=responses(200, CoupleDate, 401, 404, 409),
)
def update(date_id: PathId, body: CoupleDateUpdate, caller: CurrentCaller) -> CoupleDate:
    from backend.domain import dates

    return dates.update(caller, date_id, body)


@router.delete(
    "/dates/<date_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete one of the couple's dates (either partner)",
    responses=responses(204, None, 401, 404, 409, description="Deleted"),
)
def delete(date_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import dates

    dates.delete(caller, date_id)
    return Response(status_code=204)


@router.get(
    "/calendar/feed",
    tags=TAGS,
    security=BEARER,
    summary="Whether I have a calendar feed (its URL is shown only when issued)",
    responses=responses(200, CalendarFeed, 401, 409),
)
def feed(caller: CurrentCaller) -> CalendarFeed:
    from backend.domain import dates

    return dates.feed(caller)


@router.post(
    "/calendar/feed",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Issue my calendar feed URL (a new secret: the URL before stops working at once)",
    responses=responses(201, CalendarFeed, 401, 409, description="Issued"),
)
def issue_feed(caller: CurrentCaller) -> CalendarFeed:
    from backend.domain import dates

    return dates.issue_feed(caller)


@router.delete(
    "/calendar/feed",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Revoke my calendar feed URL (doing it again changes nothing)",
    responses=responses(204, None, 401, description="Revoked"),
)
def revoke_feed(caller: CurrentCaller) -> Response[None]:
    from backend.domain import dates

    dates.revoke_feed(caller)
    return Response(status_code=204)


def _ics_responses() -> dict[int, Any]:
    documented = responses(200, None, 429, description="The couple's dates as iCalendar (RFC 5545)")
    documented[200]["content"] = {"text/calendar": {"schema": {"type": "string"}}}
    # Unknown, malformed, revoked or no longer in the couple: all the same, and nothing says which.
    documented[404] = {"description": "Not a feed (an empty body: nothing says why)", "content": {}}
    return documented


@router.get(
    "/calendar/<secret>.ics",
    tags=TAGS,
    summary="A calendar feed, for calendar apps (no session: the URL's secret is the key)",
    responses=_ics_responses(),
)
def ics(secret: str) -> Response[str]:
    from backend.domain import dates
    from backend.settings import get_settings

    hit("calendar-feed", dates.secret_hash(secret), get_settings().rate_limit_calendar_feed_per_hour, 3600)
    body = dates.ics(secret)
    if body is None:
        # Like an answer without a body (a 204): no content type, nothing to read.
        return Response(status_code=404, body="", headers={"Cache-Control": "no-store"})
    return Response(
        status_code=200,
        content_type=ICS_CONTENT_TYPE,
        body=body.decode(),
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="lumi.ics"'},
    )
