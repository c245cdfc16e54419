"""Affirmations: the writer's list, the recipient's schedule and what they received, and "send now"."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.api.ratelimit import hit
from backend.contracts import (
    AFFIRMATIONS_PAGE_DEFAULT,
    AFFIRMATIONS_PAGE_MAX,
    AFFIRMATIONS_RECEIVED_PAGE_DEFAULT,
    Affirmation,
    AffirmationCreate,
    AffirmationPage,
    AffirmationSchedule,
    AffirmationScheduleView,
    AffirmationSendNow,
    AffirmationSent,
    AffirmationUpdate,
    ReceivedAffirmationPage,
)

router = Router()
TAGS = ["affirmations"]

NextToken = Annotated[str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")]


@router.get(
    "/affirmations",
    tags=TAGS,
    security=BEARER,
    summary="The affirmations I wrote for my partner, newest first, with how often each was delivered",
    responses=responses(200, AffirmationPage, 401, 409),
)
def written(
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=AFFIRMATIONS_PAGE_MAX)] = AFFIRMATIONS_PAGE_DEFAULT,
    next_token: NextToken = None,
) -> AffirmationPage:
    from backend.domain import affirmations

    return affirmations.written(caller, limit, next_token)


@router.post(
    "/affirmations",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Write an affirmation for my partner (409 `too_many_affirmations` past 500, `not_paired` alone)",
    responses=responses(201, Affirmation, 401, 409, description="Added"),
)
def add(body: AffirmationCreate, caller: CurrentCaller) -> Affirmation:
    from backend.domain import affirmations

    return affirmations.add(caller, body.text)


@router.patch(
    "/affirmations/<affirmation_id>",
    tags=TAGS,
    security=BEARER,
    summary="Change the text of one of my affirmations (deliveries keep the text they had)",
    responses=responses(200, Affirmation, 401, 404, 409),
)
def update(affirmation_id: PathId, body: AffirmationUpdate, caller: CurrentCaller) -> Affirmation:
    from backend.domain import affirmations

    return affirmations.update(caller, affirmation_id, body.text)


@router.delete(
    "/affirmations/<affirmation_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete one of my affirmations (deliveries keep their copy)",
    responses=responses(204, None, 401, 404, 409, description="Deleted"),
)
def delete(affirmation_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import affirmations

    affirmations.delete(caller, affirmation_id)
    return Response(status_code=204)


@router.get(
    "/affirmations/schedule",
    tags=TAGS,
    security=BEARER,
    summary="Whether, when and in which time zone I receive a daily affirmation",
    responses=responses(200, AffirmationScheduleView, 401, 404),
)
def schedule(caller: CurrentCaller) -> AffirmationScheduleView:
    from backend.domain import affirmations

    return affirmations.schedule(caller)


@router.put(
    "/affirmations/schedule",
    tags=TAGS,
    security=BEARER,
    summary="Choose my daily delivery: a first choice applies today, a change from the next day",
    responses=responses(200, AffirmationScheduleView, 401, 404),
)
def set_schedule(body: AffirmationSchedule, caller: CurrentCaller) -> AffirmationScheduleView:
    from backend.domain import affirmations

    return affirmations.set_schedule(caller, body)


@router.get(
    "/affirmations/received",
    tags=TAGS,
    security=BEARER,
    summary="What I received: today's (in `zone`, else my schedule's) first, then earlier ones newest first",
    responses=responses(200, ReceivedAffirmationPage, 401, 404),
)
def received(
    caller: CurrentCaller,
    zone: Annotated[str | None, Query(max_length=64, description="My IANA time zone, e.g. `Europe/Paris`")] = None,
    limit: Annotated[int, Query(ge=1, le=AFFIRMATIONS_PAGE_MAX)] = AFFIRMATIONS_RECEIVED_PAGE_DEFAULT,
    next_token: NextToken = None,
) -> ReceivedAffirmationPage:
    from backend.domain import affirmations

    return affirmations.received(caller, zone, limit, next_token)


@router.put(
    "/affirmations/received/<delivery_id>/heart",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Heart an affirmation I received (the writer sees it); doing it again changes nothing",
    responses=responses(204, None, 401, 404, description="Hearted"),
)
def heart(delivery_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import affirmations

    affirmations.heart(caller, delivery_id, True)
    return Response(status_code=204)


@router.delete(
    "/affirmations/received/<delivery_id>/heart",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Take my heart back from an affirmation I received",
    responses=responses(204, None, 401, 404, description="Heart taken back"),
)
def unheart(delivery_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import affirmations

    affirmations.heart(caller, delivery_id, False)
    return Response(status_code=204)


@router.post(
    "/affirmations/send-now",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Send my partner an affirmation at once (live or by push), optionally keeping it in my list",
    responses=responses(201, AffirmationSent, 401, 409, 429, description="Sent"),
)
def send_now(body: AffirmationSendNow, caller: CurrentCaller) -> AffirmationSent:
    from backend.domain import affirmations
    from backend.settings import get_settings

    hit("affirmations-now", caller.user_id, get_settings().rate_limit_affirmations_now_per_hour, window_seconds=3600)
    return affirmations.send_now(caller, body.text, body.save)
