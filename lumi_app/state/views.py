"""Small view models the pages show, built from API models (state keeps these, not whole payloads)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from backend.contracts import PartnerRequest, PublicProfile, Relationship


def initials_of(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper() or "?"


def long_date(value: date | datetime) -> str:
    """12 March 2024: unambiguous in every locale."""
    return f"{value.day} {value:%B %Y}"


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
            anniversary=long_date(relationship.anniversary) if relationship.anniversary else "",
            anniversary_iso=relationship.anniversary.isoformat() if relationship.anniversary else "",
        )
