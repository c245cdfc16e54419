"""Partner requests and relationships, with "at most one partner" kept by transaction conditions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Literal

from backend.domain.errors import Conflict, NotFound
from backend.domain.models import PartnerRequest, Relationship
from backend.store import keys, records, table
from backend.store.table import TransactionFailed

_ABSENT = "attribute_not_exists(pk)"
_UNPAIRED = "attribute_exists(pk) AND attribute_not_exists(relationship_id)"


def new_id() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------- partner requests


def create_request(from_user_id: str, to_user_id: str) -> PartnerRequest:
    """Store a pending request, unless either person is paired or a request already links them."""
    request = PartnerRequest(new_id(), from_user_id, to_user_id, records.now())
    sent, received = records.request_items(request)
    try:
        table.transact(
            [
                table.tx_put(sent, _ABSENT),
                table.tx_put(received, _ABSENT),
                table.tx_check(keys.received_request(from_user_id, to_user_id), _ABSENT),
                table.tx_check(keys.profile(from_user_id), _UNPAIRED),
                table.tx_check(keys.profile(to_user_id), _UNPAIRED),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(3):
            raise Conflict("You already have a partner.", code="already_paired") from failure
        if failure.failed(4):
            raise Conflict("That person already has a partner.", code="partner_already_paired") from failure
        if failure.failed(2):
            raise Conflict(
                "That person has already asked you. Accept their request instead.", code="incoming_request_exists"
            ) from failure
        raise Conflict("You have already asked that person.", code="request_exists") from failure
    return request


def find_request(user_id: str, request_id: str) -> PartnerRequest | None:
    """One of the person's own pending requests (sent or received), by id."""
    for item in table.query_all(
        ("pk", keys.user_partition(user_id)),
        ("sk", keys.request_prefix("any")),
        filter_expression="request_id = :rid",
        filter_values={":rid": request_id},
    ):
        return records.request_from(item)
    return None


def requests_of(user_id: str, direction: Literal["sent", "received", "any"]) -> list[PartnerRequest]:
    """Pending requests the person sent, received, or both; oldest first."""
    items = table.query_all(("pk", keys.user_partition(user_id)), ("sk", keys.request_prefix(direction)))
    return sorted((records.request_from(item) for item in items), key=lambda r: (r.created_at, r.request_id))


def remove_request(request: PartnerRequest) -> bool:
    """Delete both copies of this request (not a newer one between the same two people)."""
    same = {":rid": request.request_id}
    copies = keys.request_copies(request.from_user_id, request.to_user_id)
    return any([table.delete(key, "request_id = :rid", same) for key in copies])


def accept(request: PartnerRequest) -> Relationship:
    """Pair the two people and consume the request, all in one transaction."""
    relationship = Relationship(
        relationship_id=new_id(),
        partner_ids=(request.from_user_id, request.to_user_id),
        since=records.now(),
    )
    link = "SET relationship_id = :rel"
    rel = {":rel": relationship.relationship_id}
    same = {":rid": request.request_id}
    sent, received = keys.request_copies(request.from_user_id, request.to_user_id)
    try:
        table.transact(
            [
                table.tx_update(keys.profile(request.to_user_id), link, _UNPAIRED, rel),
                table.tx_update(keys.profile(request.from_user_id), link, _UNPAIRED, rel),
                table.tx_put(records.relationship_item(relationship), _ABSENT),
                table.tx_delete(sent, "request_id = :rid", same),
                table.tx_delete(received, "request_id = :rid", same),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(3) or failure.failed(4):
            raise NotFound("That partner request is no longer open.") from failure
        if failure.failed(0):
            raise Conflict("You already have a partner.", code="already_paired") from failure
        raise Conflict("That person already has a partner.", code="partner_already_paired") from failure
    return relationship


# ---------------------------------------------------------------- relationships


def get_relationship(relationship_id: str) -> Relationship | None:
    item = table.get(keys.relationship(relationship_id))
    return records.relationship_from(item) if item else None


def set_anniversary(relationship_id: str, anniversary: date | None) -> Relationship:
    if anniversary is None:
        item = table.update(keys.relationship(relationship_id), "REMOVE anniversary", condition="attribute_exists(pk)")
    else:
        item = table.update(
            keys.relationship(relationship_id),
            "SET anniversary = :day",
            {":day": anniversary.isoformat()},
            condition="attribute_exists(pk)",
        )
    if item is None:
        raise NotFound("We could not find that relationship.")
    return records.relationship_from(item)


def end(relationship: Relationship, linked_user_ids: list[str]) -> None:
    """Remove the relationship and unlink the partners' profiles that still point at it.

    The stream sees the relationship's REMOVE and deletes the couple's data.
    """
    rel = {":rel": relationship.relationship_id}
    operations = [table.tx_delete(keys.relationship(relationship.relationship_id), "attribute_exists(pk)")]
    operations += [
        table.tx_update(keys.profile(user_id), "REMOVE relationship_id", "relationship_id = :rel", rel)
        for user_id in linked_user_ids
    ]
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if failure.failed(0):
            raise NotFound("We could not find that relationship.") from failure
        raise Conflict("Your relationship changed meanwhile. Please try again.", code="conflict") from failure


def couple_item_keys(relationship_id: str) -> Iterator[keys.Key]:
    """Keys of every item the couple owns (the tenant index)."""
    for item in table.query_all(("gsi2pk", keys.tenant(relationship_id)), index=keys.TENANT_INDEX):
        yield keys.key_of(item)


PAIRED_NOTIFIED = "paired_notified"


def _paired_notice(user_id: str) -> dict[str, str]:
    return {"#claim": f"{PAIRED_NOTIFIED}:{user_id}"}


def claim_paired_notice(relationship_id: str, user_id: str, at: str) -> bool:
    """Claim telling ``user_id`` they became a pair (once each); False if claimed before or gone."""
    item = table.update(
        keys.relationship(relationship_id),
        "SET #claim = :at",
        {":at": at},
        names=_paired_notice(user_id),
        condition="attribute_exists(pk) AND attribute_not_exists(#claim)",
    )
    return item is not None


def give_back_paired_notice(relationship_id: str, user_id: str, at: str) -> None:
    """Telling them failed: give the claim back, so a retry of the record tries again."""
    table.update(
        keys.relationship(relationship_id),
        "REMOVE #claim",
        {":at": at},
        names=_paired_notice(user_id),
        condition="#claim = :at",
    )
