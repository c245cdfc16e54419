"""Small view models the pages show, built from API models (state keeps these, not whole payloads)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.contracts import Notification, PartnerRequest, PublicProfile, Relationship


def initials_of(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper() or "?"


def long_date(value: date | datetime) -> str:
    """12 March 2024: unambiguous in every locale."""
    return f"{value.day} {value:%B %Y}"


def zone_named(name: str | None) -> tzinfo:
    """The IANA zone the browser said it is in ("Europe/Berlin"); UTC when unknown or made up."""
    if name and len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def day_heading(moment: datetime, zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """ "Today", "Yesterday", "12 November", or "12 November 2025" when not this year: the day
    ``moment`` fell on where the viewer is (``zone``)."""
    zone = zone or UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    day = moment.astimezone(zone).date()
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day.day} {day:%B}" if day.year == today.year else long_date(day)


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then "12 March"."""
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 24 * 3600:
        return f"{seconds // 3600} h ago"
    days = seconds // (24 * 3600)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return f"{moment.day} {moment:%B}" if moment.year == now.year else long_date(moment)


@dataclasses.dataclass
class PartnerRequestView:
    request_id: str = ""
    display_name: str = ""
    username: str = ""
    avatar_url: str = ""
    initials: str = ""
    sent_on: str = ""

    @classmethod
    def of(cls, request: PartnerRequest, other: PublicProfile) -> PartnerRequestView:
        return cls(
            request_id=request.request_id,
            display_name=other.display_name,
            username=other.username,
            avatar_url=other.avatar_url or "",
            initials=initials_of(other.display_name or other.username),
            sent_on=long_date(request.created_at),
        )


@dataclasses.dataclass
class RelationshipView:
    relationship_id: str = ""
    partner_name: str = ""
    partner_username: str = ""
    partner_avatar_url: str = ""
    partner_initials: str = ""
    since: str = ""
    since_iso: str = ""  # when they paired (ISO date-time), for counting days in the viewer's zone
    anniversary: str = ""  # "12 March 2024", or "" when not set
    anniversary_iso: str = ""  # "2024-03-12", for the date input

    @classmethod
    def of(cls, relationship: Relationship) -> RelationshipView:
        partner = relationship.partner
        return cls(
            relationship_id=relationship.relationship_id,
            partner_name=partner.display_name,
            partner_username=partner.username,
            partner_avatar_url=partner.avatar_url or "",
            partner_initials=initials_of(partner.display_name or partner.username),
            since=long_date(relationship.since),
            since_iso=relationship.since.isoformat(),
            anniversary=long_date(relationship.anniversary) if relationship.anniversary else "",
            anniversary_iso=relationship.anniversary.isoformat() if relationship.anniversary else "",
        )


NOTIFICATION_ICONS: dict[str, str] = {
    "partner": "heart",
    "moments": "film",
    "affirmations": "sparkles",
    "music": "music",
    "reminders": "calendar-heart",
}


@dataclasses.dataclass
class NotificationView:
    notification_id: str = ""
    category: str = ""
    title: str = ""
    body: str = ""
    link: str = ""
    created_at: str = ""  # ISO, for <time datetime>
    when: str = ""  # "5 min ago"
    read: bool = False

    @classmethod
    def of(cls, notification: Notification, link: str) -> NotificationView:
        return cls(
            notification_id=notification.notification_id,
            category=notification.category,
            title=notification.title,
            body=notification.body,
            link=link,
            created_at=notification.created_at.isoformat(),
            when=time_ago(notification.created_at),
            read=notification.read,
        )
