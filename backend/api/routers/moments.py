"""Moments: upload tickets, creating, the feed, watching, editing and deleting.

``/moments/uploads`` is a static path, matched before ``/moments/<moment_id>``; the search
router (``/moments/search``) is included before this one for the same reason.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.contracts import (
    MOMENTS_PAGE_DEFAULT,
    MOMENTS_PAGE_MAX,
    Moment,
    MomentCreate,
    MomentFilter,
    MomentPage,
    MomentUpdate,
    MomentUploadRequest,
    MomentUploadTicket,
)

router = Router()
TAGS = ["moments"]

Id = PathId


@router.post(
    "/moments/uploads",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="A presigned POST for uploading a new moment's video or photo straight to storage",
    responses=responses(201, MomentUploadTicket, 401, 409, description="Ticket made"),
)
def upload_ticket(body: MomentUploadRequest, caller: CurrentCaller) -> MomentUploadTicket:
    from backend.domain import moments

    ticket = moments.upload_ticket(caller, body.content_type, body.size, body.file_name)
    post = ticket.post
    return MomentUploadTicket(
        url=post.url,
        fields=post.fields,
        key=post.key,
        max_bytes=post.max_bytes,
        min_bytes=post.min_bytes,
        expires_in=post.expires_in,
        moment_id=ticket.moment_id,
    )


@router.post(
    "/moments",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Make an uploaded video or photo a moment: size and magic bytes are checked here (422 "
    "`invalid_video` or `invalid_photo` says why not); it is `processing` until the media job has probed "
    "the video (then `ready`, or `failed` with its `failure_reason`) or made the photo's pictures",
    responses=responses(201, Moment, 401, 404, 409, description="Moment made (processing)"),
)
def create(body: MomentCreate, caller: CurrentCaller) -> Moment:
    from backend.domain import moments

    return moments.create(caller, body.moment_id, body.title, body.description, body.tags)


@router.get(
    "/moments",
    tags=TAGS,
    security=BEARER,
    summary="The couple's moments, newest first (all, mine or my partner's), a page at a time",
    responses=responses(200, MomentPage, 401, 409),
)
def feed(
    caller: CurrentCaller,
    which: Annotated[MomentFilter, Query(alias="filter", description="`all`, `mine` or `partner`")] = "all",
    limit: Annotated[int, Query(ge=1, le=MOMENTS_PAGE_MAX)] = MOMENTS_PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
) -> MomentPage:
    from backend.domain import moments

    page = moments.feed(caller, which, limit, next_token)
    return MomentPage(items=page.items, next=page.next_token)


@router.get(
    "/moments/<moment_id>",
    tags=TAGS,
    security=BEARER,
    summary="One of the couple's moments (404 for anyone else's)",
    responses=responses(200, Moment, 401, 404),
)
def get_moment(moment_id: Id, caller: CurrentCaller) -> Moment:
    from backend.domain import moments

    return moments.get_one(caller, moment_id)


@router.patch(
    "/moments/<moment_id>",
    tags=TAGS,
    security=BEARER,
    summary="Change title, description or tags of my moment (403 for my partner's)",
    responses=responses(200, Moment, 401, 403, 404),
)
def update(moment_id: Id, body: MomentUpdate, caller: CurrentCaller) -> Moment:
    from backend.domain import moments

    return moments.update(caller, moment_id, body.title, body.description, body.tags)


@router.delete(
    "/moments/<moment_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete my moment with its chat, tags and files (403 for my partner's)",
    responses=responses(204, None, 401, 403, 404, description="Deleted"),
)
def delete(moment_id: Id, caller: CurrentCaller) -> Response[None]:
    from backend.domain import moments

    moments.delete(caller, moment_id)
    return Response(status_code=204)
