"""Partner requests and the couple's relationship.

Static paths (``/relationships/current``, ``/relationships/requests``) are matched before
``/relationships/<relationship_id>`` by Powertools, and a path parameter never spans a
``/``, so ``/relationships/requests/<id>/accept`` cannot be taken for a relationship id.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from backend.api import views
from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.api.ratelimit import limit_partner_requests
from backend.contracts import (
    AnniversaryUpdate,
    CurrentRelationship,
    PartnerRequest,
    PartnerRequestCreate,
    PartnerRequests,
    Relationship,
)

router = Router()
TAGS = ["relationships"]

Id = PathId


@router.get(
    "/relationships/current",
    tags=TAGS,
    security=BEARER,
    summary="My relationship (null when unpaired)",
    responses=responses(200, CurrentRelationship, 401),
)
def current(caller: CurrentCaller) -> CurrentRelationship:
    from backend.domain import pairing

    couple = pairing.current(caller)
    return CurrentRelationship(relationship=views.relationship(couple) if couple else None)


@router.get(
    "/relationships/requests",
    tags=TAGS,
    security=BEARER,
    summary="Partner requests I sent and received",
    responses=responses(200, PartnerRequests, 401),
)
def list_requests(caller: CurrentCaller) -> PartnerRequests:
    from backend.domain import pairing

    sent, received = pairing.pending_requests(caller)
    return PartnerRequests(
        sent=[views.partner_request(view) for view in sent],
        received=[views.partner_request(view) for view in received],
    )


@router.post(
    "/relationships/requests",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Ask someone (by username or e-mail) to be my partner",
    responses=responses(201, PartnerRequest, 401, 404, 409, 429, description="Request sent"),
)
def send_request(body: PartnerRequestCreate, caller: CurrentCaller) -> PartnerRequest:
    from backend.domain import pairing

    limit_partner_requests(caller.user_id)
    return views.partner_request(pairing.send_request(caller, body.to))


@router.post(
    "/relationships/requests/<request_id>/accept",
    tags=TAGS,
    security=BEARER,
    summary="Accept a request addressed to me",
    responses=responses(200, Relationship, 401, 404, 409),
)
def accept(request_id: Id, caller: CurrentCaller) -> Relationship:
    from backend.domain import pairing

    return views.relationship(pairing.accept(caller, request_id))


@router.post(
    "/relationships/requests/<request_id>/decline",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Decline a request addressed to me",
    responses=responses(204, None, 401, 404, description="Declined"),
)
def decline(request_id: Id, caller: CurrentCaller) -> Response[None]:
    from backend.domain import pairing

    pairing.decline(caller, request_id)
    return Response(status_code=204)


@router.delete(
    "/relationships/requests/<request_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Cancel a request I sent",
    responses=responses(204, None, 401, 404, description="Cancelled"),
)
def cancel(request_id: Id, caller: CurrentCaller) -> Response[None]:
    from backend.domain import pairing

    pairing.cancel(caller, request_id)
    return Response(status_code=204)


@router.get(
    "/relationships/<relationship_id>",
    tags=TAGS,
    security=BEARER,
    summary="My relationship by id (404 for anyone else's)",
    responses=responses(200, Relationship, 401, 404),
)
def get_relationship(relationship_id: Id, caller: CurrentCaller) -> Relationship:
    from backend.domain import pairing

    return views.relationship(pairing.relationship(caller, relationship_id))


@router.put(
    "/relationships/<relationship_id>/anniversary",
    tags=TAGS,
    security=BEARER,
    summary="Set or clear our anniversary",
    responses=responses(200, Relationship, 401, 404),
)
def set_anniversary(relationship_id: Id, body: AnniversaryUpdate, caller: CurrentCaller) -> Relationship:
    from backend.domain import pairing

    return views.relationship(pairing.set_anniversary(caller, relationship_id, body.anniversary))


@router.delete(
    "/relationships/<relationship_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Leave the relationship: both are unpaired and the couple's data is deleted",
    responses=responses(204, None, 401, 404, description="Left"),
)
def leave(relationship_id: Id, caller: CurrentCaller) -> Response[None]:
    from backend.domain import pairing

    pairing.leave(caller, relationship_id)
    return Response(status_code=204)
