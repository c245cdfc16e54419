"""The one place that decides whether a caller may touch something.

The relationship is the tenant: a person sees their own profile and requests and, once
paired, their couple's relationship and couple-owned data. Anything else is reported
exactly like something that does not exist (``NotFound``), so ids of other couples can be
neither confirmed nor probed. Items of another couple are not even read.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.domain.errors import NotFound
from backend.domain.models import PartnerRequest, Relationship, UserProfile


def own_relationship(
    caller: UserProfile, relationship_id: str, load: Callable[[str], Relationship | None]
) -> Relationship:
    """The relationship ``relationship_id``, only if it is the caller's current one."""
    missing = NotFound("We could not find that relationship.")
    if not caller.relationship_id or caller.relationship_id != relationship_id:
        raise missing
    relationship = load(relationship_id)
    if relationship is None or caller.user_id not in relationship.partner_ids:
        raise missing
    return relationship


def received_request(caller_id: str, request: PartnerRequest | None) -> PartnerRequest:
    """A request the caller may accept or decline: one addressed to them."""
    if request is None or request.to_user_id != caller_id:
        raise NotFound("We could not find that partner request.")
    return request


def sent_request(caller_id: str, request: PartnerRequest | None) -> PartnerRequest:
    """A request the caller may cancel: one they sent."""
    if request is None or request.from_user_id != caller_id:
        raise NotFound("We could not find that partner request.")
    return request


def couple_item(caller: UserProfile, item_relationship_id: str | None) -> str:
    """Couple-owned data (moments, dates…) is visible only to the couple that owns it."""
    if not caller.relationship_id or item_relationship_id != caller.relationship_id:
        raise NotFound()
    return item_relationship_id


def shared_song(caller: UserProfile, visibility: str, shared_rel: str | None, shared_with: str | None) -> None:
    """A partner's song is audible to the caller only while it is shared with them in the
    couple they are in now (a split ends it at once, before any clean-up has run)."""
    if (
        visibility != "partner"
        or not caller.relationship_id
        or shared_rel != caller.relationship_id
        or shared_with != caller.user_id
    ):
        raise NotFound("We could not find that song.")
