"""Domain objects: what repositories return and use cases work with (not the stored shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Caller:
    """Who is asking, as proven by a verified Cognito access token."""

    user_id: str
    groups: tuple[str, ...] = ()
    # Cognito's origin_jti: one per sign-in, shared by every access token refreshed from it.
    session_id: str = ""
    token_expires_at: int = 0


@dataclass(frozen=True)
class UserProfile:
    user_id: str
    username: str
    email: str
    display_name: str
    created_at: datetime
    avatar_key: str | None = None
    relationship_id: str | None = None


@dataclass(frozen=True)
class PartnerRequest:
    """A pending invitation from one person to become the partner of another."""

    request_id: str
    from_user_id: str
    to_user_id: str
    created_at: datetime


@dataclass(frozen=True)
class Relationship:
    """A couple: the tenant that owns everything the two partners share."""

    relationship_id: str
    partner_ids: tuple[str, str]
    since: datetime
    anniversary: date | None = None

    def partner_of(self, user_id: str) -> str:
        first, second = self.partner_ids
        return second if user_id == first else first


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class ObjectInfo:
    """What S3 says about an uploaded object, plus its first bytes."""

    key: str
    size: int
    content_type: str | None
    head: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Notification:
    """Something that happened for one person: stored, then delivered live or by Web Push."""

    notification_id: str
    recipient_id: str
    category: str
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None = None
    # Set when it concerns the couple, so it goes with the couple's data when they split.
    relationship_id: str | None = None
    # How it reached the person: "live", "push" or "none" once delivered; "queued" on its way.
    delivery: str | None = None

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass(frozen=True)
class PushSubscription:
    """One browser or device of a person that accepts Web Push (``PushSubscription.toJSON()``)."""

    user_id: str
    endpoint: str
    p256dh: str
    auth: str
    created_at: datetime
    expiration_time: int | None = None
