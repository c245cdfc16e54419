"""The couple is the tenant: anything not the caller's is indistinguishable from nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.domain import tenancy
from backend.domain.errors import NotFound
from backend.domain.models import PartnerRequest, Relationship, UserProfile

NOW = datetime(2024, 2, 14, tzinfo=UTC)
OURS = Relationship("ours", ("ana", "ben"), NOW)
THEIRS = Relationship("theirs", ("cleo", "dan"), NOW)


def person(user_id: str, relationship_id: str | None) -> UserProfile:
    return UserProfile(user_id, user_id, f"{user_id}@example.com", user_id, NOW, None, relationship_id)


def loader(*relationships: Relationship) -> tuple[list[str], object]:
    loaded: list[str] = []
    known = {r.relationship_id: r for r in relationships}

    def load(relationship_id: str) -> Relationship | None:
        loaded.append(relationship_id)
        return known.get(relationship_id)

    return loaded, load


def test_a_partner_gets_their_own_relationship() -> None:
    _, load = loader(OURS, THEIRS)
    assert tenancy.own_relationship(person("ana", "ours"), "ours", load) is OURS  # type: ignore[arg-type]


def test_another_couples_relationship_is_not_even_read() -> None:
    loaded, load = loader(OURS, THEIRS)
    with pytest.raises(NotFound):
        tenancy.own_relationship(person("ana", "ours"), "theirs", load)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        tenancy.own_relationship(person("eve", None), "theirs", load)  # type: ignore[arg-type]
    assert loaded == []


def test_a_stale_link_to_a_relationship_without_the_caller_is_not_found() -> None:
    _, load = loader(THEIRS)
    with pytest.raises(NotFound):
        tenancy.own_relationship(person("ana", "theirs"), "theirs", load)  # type: ignore[arg-type]
    _, load_nothing = loader()
    with pytest.raises(NotFound):
        tenancy.own_relationship(person("ana", "ours"), "ours", load_nothing)  # type: ignore[arg-type]


def test_requests_are_acted_on_only_by_their_recipient_or_sender() -> None:
    request = PartnerRequest("r", "ana", "ben", NOW)
    assert tenancy.received_request("ben", request) is request
    assert tenancy.sent_request("ana", request) is request
    for who, check in [
        ("ana", tenancy.received_request),
        ("eve", tenancy.received_request),
        ("ben", tenancy.sent_request),
    ]:
        with pytest.raises(NotFound):
            check(who, request)
    with pytest.raises(NotFound):
        tenancy.received_request("ben", None)


def test_couple_items_belong_to_the_callers_couple_only() -> None:
    assert tenancy.couple_item(person("ana", "ours"), "ours") == "ours"
    for caller, owner in [
        (person("ana", "ours"), "theirs"),
        (person("eve", None), "ours"),
        (person("eve", None), None),
    ]:
        with pytest.raises(NotFound):
            tenancy.couple_item(caller, owner)
