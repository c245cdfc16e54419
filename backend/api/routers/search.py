"""Searching the couple's moments.

The index (``backend.search``) answers with moment ids of the caller's couple only, best
first; the moments themselves are read from the table, so a moment deleted a moment ago
(its index entry not yet gone) is simply left out.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router
from pydantic import StringConstraints

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import MomentSearchResults

router = Router()
TAGS = ["search"]

QUERY_MAX = 200
LIMIT_DEFAULT = 20
LIMIT_MAX = 50
# Blanks around the text are dropped before its length is checked (and before searching).
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=QUERY_MAX)]


@router.get(
    "/moments/search",
    tags=TAGS,
    security=BEARER,
    summary="Find the couple's moments by words in title, description and tags, best match first",
    responses=responses(200, MomentSearchResults, 401, 409),
)
def search_moments(
    caller: CurrentCaller,
    q: Annotated[
        SearchText,
        Query(
            description=f"What to look for: 1 to {QUERY_MAX} characters (blanks around it not counted); "
            "the last word may be unfinished",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
) -> MomentSearchResults:
    from backend.domain import moments
    from backend.search import get_search_index

    me = moments.in_couple(caller)
    assert me.relationship_id is not None
    moment_ids = get_search_index().search(me.relationship_id, q, limit)
    return MomentSearchResults(query=q, items=moments.moments_by_ids(me, moment_ids))
