"""The stored shape of each item and its conversion to and from domain objects.

Every item carries ``type`` so stream handlers know what changed without parsing keys.
Timestamps are ISO-8601 strings in UTC (sortable, readable in the console).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.domain.models import PartnerRequest, Relationship, UserProfile
from backend.store import keys

USER_PROFILE = "UserProfile"
USERNAME_CLAIM = "UsernameClaim"
EMAIL_CLAIM = "EmailClaim"
PARTNER_REQUEST = "PartnerRequest"
RELATIONSHIP = "Relationship"

Item = dict[str, Any]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def now() -> datetime:
    return datetime.now(UTC)


def stored_time(value: datetime) -> str:
    """A timestamp as every item stores it: ISO-8601 in UTC."""
    return value.astimezone(UTC).isoformat()


def time_ordered_id(at: datetime | None = None) -> tuple[str, datetime]:
    """A fresh id and its time: microseconds since the epoch in hex, then 64 random bits, so ids
    in a sort key order items by time (notifications, moments, chat messages)."""
    created_at = (at or now()).astimezone(UTC)
    micros = (created_at - _EPOCH) // _MICROSECOND
    return f"{micros:014x}{secrets.token_hex(8)}", created_at


def derived_time_ordered_id(at: datetime, of: str) -> str:
    """The same shape as :func:`time_ordered_id`, but always the same for ``at`` and ``of``: the id
    of something that must exist once (the notification of one delivery)."""
    micros = (at.astimezone(UTC) - _EPOCH) // _MICROSECOND
    return f"{micros:014x}{hashlib.sha256(of.encode()).hexdigest()[:16]}"


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def profile_item(profile: UserProfile) -> Item:
    return {
        **keys.profile(profile.user_id),
        "type": USER_PROFILE,
        "user_id": profile.user_id,
        "username": profile.username,
        "email": profile.email,
        "display_name": profile.display_name,
        "avatar_key": profile.avatar_key,
        "relationship_id": profile.relationship_id,
        "created_at": stored_time(profile.created_at),
    }


def profile_from(item: Item) -> UserProfile:
    return UserProfile(
        user_id=item["user_id"],
        username=item["username"],
        email=item["email"],
        display_name=item["display_name"],
        created_at=_parse_time(item["created_at"]),
        avatar_key=item.get("avatar_key"),
        relationship_id=item.get("relationship_id"),
    )


def username_claim_item(username: str, user_id: str) -> Item:
    return {**keys.username_claim(username), "type": USERNAME_CLAIM, "username": username, "user_id": user_id}


def email_claim_item(email: str, user_id: str) -> Item:
    return {**keys.email_claim(email), "type": EMAIL_CLAIM, "email": email, "user_id": user_id}


def request_items(request: PartnerRequest) -> tuple[Item, Item]:
    """The sender's and the recipient's copy of one pending request."""
    body = {
        "type": PARTNER_REQUEST,
        "request_id": request.request_id,
        "from_user_id": request.from_user_id,
        "to_user_id": request.to_user_id,
        "created_at": stored_time(request.created_at),
    }
    sent, received = keys.request_copies(request.from_user_id, request.to_user_id)
    return {**sent, **body, "copy": "sent"}, {**received, **body, "copy": "received"}


def request_from(item: Item) -> PartnerRequest:
    return PartnerRequest(
        request_id=item["request_id"],
        from_user_id=item["from_user_id"],
        to_user_id=item["to_user_id"],
        created_at=_parse_time(item["created_at"]),
    )


def relationship_item(relationship: Relationship) -> Item:
    return {
        **keys.relationship(relationship.relationship_id),
        "type": RELATIONSHIP,
        "relationship_id": relationship.relationship_id,
        "partner_ids": list(relationship.partner_ids),
        "since": stored_time(relationship.since),
        "anniversary": relationship.anniversary.isoformat() if relationship.anniversary else None,
    }


def relationship_from(item: Item) -> Relationship:
    first, second = item["partner_ids"]
    anniversary = item.get("anniversary")
    return Relationship(
        relationship_id=item["relationship_id"],
        partner_ids=(first, second),
        since=_parse_time(item["since"]),
        anniversary=date.fromisoformat(anniversary) if anniversary else None,
    )
