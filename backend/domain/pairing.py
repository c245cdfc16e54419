"""Pairing with a partner: requests, the relationship, its anniversary, and leaving it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from backend.domain import tenancy
from backend.domain.errors import Conflict, NotFound
from backend.domain.models import Caller, PartnerRequest, Relationship, UserProfile
from backend.domain.rules import check_partner_request, login_identifier
from backend.realtime.events import couple_changed
from backend.store import relationships, users


@dataclass(frozen=True)
class RequestView:
    request: PartnerRequest
    sender: UserProfile
    recipient: UserProfile


@dataclass(frozen=True)
class Couple:
    relationship: Relationship
    partner: UserProfile


def send_request(caller: Caller, to: str) -> RequestView:
    sender = users.require(caller.user_id)
    identifier = login_identifier(to)
    recipient = check_partner_request(sender, users.find(**{identifier.kind: identifier.value}))
    request = relationships.create_request(sender.user_id, recipient.user_id)
    couple_changed("request_sent", user_ids=(sender.user_id, recipient.user_id))
    return RequestView(request, sender, recipient)


def pending_requests(caller: Caller) -> tuple[list[RequestView], list[RequestView]]:
    """(sent, received); a request whose other person is being deleted is left out."""
    me = users.require(caller.user_id)

    def views(direction: Literal["sent", "received"]) -> list[RequestView]:
        found = []
        for request in relationships.requests_of(me.user_id, direction):
            other = users.get(request.to_user_id if direction == "sent" else request.from_user_id)
            if other is not None:
                sender, recipient = (me, other) if direction == "sent" else (other, me)
                found.append(RequestView(request, sender, recipient))
        return found

    return views("sent"), views("received")


def accept(caller: Caller, request_id: str) -> Couple:
    me = users.require(caller.user_id)
    request = tenancy.received_request(me.user_id, relationships.find_request(me.user_id, request_id))
    if me.relationship_id:
        raise Conflict("You already have a partner.", code="already_paired")
    relationship = relationships.accept(request)
    couple_changed("request_accepted", relationship.relationship_id, (request.from_user_id, request.to_user_id))
    partner = users.get(request.from_user_id)
    if partner is None:
        raise NotFound("That person has deleted their account.")
    return Couple(relationship, partner)


def decline(caller: Caller, request_id: str) -> None:
    request = tenancy.received_request(caller.user_id, relationships.find_request(caller.user_id, request_id))
    if not relationships.remove_request(request):
        raise NotFound("That partner request is no longer open.")
    couple_changed("request_declined", user_ids=(request.from_user_id, request.to_user_id))


def cancel(caller: Caller, request_id: str) -> None:
    request = tenancy.sent_request(caller.user_id, relationships.find_request(caller.user_id, request_id))
    if not relationships.remove_request(request):
        raise NotFound("That partner request is no longer open.")
    couple_changed("request_cancelled", user_ids=(request.from_user_id, request.to_user_id))


def current(caller: Caller) -> Couple | None:
    me = users.require(caller.user_id)
    if not me.relationship_id:
        return None
    try:
        return _couple(me, me.relationship_id)
    except NotFound:
        return None  # the relationship is being taken apart


def relationship(caller: Caller, relationship_id: str) -> Couple:
    return _couple(users.require(caller.user_id), relationship_id)


def set_anniversary(caller: Caller, relationship_id: str, anniversary: date | None) -> Couple:
    me = users.require(caller.user_id)
    couple = _couple(me, relationship_id)
    updated = relationships.set_anniversary(couple.relationship.relationship_id, anniversary)
    couple_changed("anniversary_changed", updated.relationship_id, updated.partner_ids)
    return Couple(updated, couple.partner)


def leave(caller: Caller, relationship_id: str) -> None:
    """Unpair both partners; the couple's shared data is then removed by the stream."""
    me = users.require(caller.user_id)
    relationship = tenancy.own_relationship(me, relationship_id, relationships.get_relationship)
    linked = [
        user_id
        for user_id in relationship.partner_ids
        if (profile := users.get(user_id)) is not None and profile.relationship_id == relationship_id
    ]
    relationships.end(relationship, linked)
    couple_changed("partner_left", relationship_id, relationship.partner_ids)


def _couple(me: UserProfile, relationship_id: str) -> Couple:
    relationship = tenancy.own_relationship(me, relationship_id, relationships.get_relationship)
    partner = users.get(relationship.partner_of(me.user_id))
    if partner is None:
        raise NotFound("We could not find that relationship.")
    return Couple(relationship, partner)
