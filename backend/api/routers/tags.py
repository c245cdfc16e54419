"""The couple's tags and the moments carrying each."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import TAG_SLUG_PATTERN, TAGS_PAGE_DEFAULT, TAGS_PAGE_MAX, CoupleTags, MomentPage

router = Router()
TAGS = ["tags"]

# A slug in another script reaches the function percent-encoded (the function URL passes the
# raw path on): up to 32 characters of up to 4 UTF-8 bytes, 3 characters each when encoded.
Slug = Annotated[
    str,
    Path(min_length=1, max_length=32 * 12, pattern=TAG_SLUG_PATTERN, description="The tag's slug, percent-encoded"),
]


@router.get(
    "/tags",
    tags=TAGS,
    security=BEARER,
    summary="The couple's tags with how many moments carry each (most used first)",
    responses=responses(200, CoupleTags, 401, 409),
)
def couple_tags(caller: CurrentCaller) -> CoupleTags:
    from backend.domain import tags

    return CoupleTags(items=tags.couple_tags(caller))


@router.get(
    "/tags/<slug>/moments",
    tags=TAGS,
    security=BEARER,
    summary="The couple's moments with a tag, newest first, a page at a time",
    responses=responses(200, MomentPage, 401, 404, 409),
)
def tagged_moments(
    slug: Slug,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=TAGS_PAGE_MAX)] = TAGS_PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
) -> MomentPage:
    from backend.domain import tags

    page = tags.tagged_moments(caller, unquote(slug), limit, next_token)
    return MomentPage(items=page.items, next=page.next_token)


@router.delete(
    "/tags/<slug>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete a couple tag: it is taken off every moment (either partner may)",
    responses=responses(204, None, 401, 404, 409, description="Deleted"),
)
def delete_tag(slug: Slug, caller: CurrentCaller) -> Response[None]:
    from backend.domain import tags

    tags.delete_tag(caller, unquote(slug))
    return Response(status_code=204)
