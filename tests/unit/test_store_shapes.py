"""Keys, stored records and page tokens: shapes only, no database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from backend.api.app import parse_json
from backend.domain.models import PartnerRequest, Relationship, UserProfile
from backend.media import paths
from backend.media.urls import cache_seconds
from backend.store import keys, records
from backend.store.table import decode_token, encode_token

NOW = datetime(2024, 2, 14, 12, 30, tzinfo=UTC)


def test_both_copies_of_a_request_live_in_the_two_peoples_partitions() -> None:
    sent, received = keys.request_copies("ana", "ben")
    assert sent == {"pk": "USER#ana", "sk": "REQUEST#TO#ben"}
    assert received == {"pk": "USER#ben", "sk": "REQUEST#FROM#ana"}
    assert sent["sk"].startswith(keys.request_prefix("sent")) and sent["sk"].startswith(keys.request_prefix("any"))
    assert received["sk"].startswith(keys.request_prefix("received"))


def test_couple_owned_items_carry_the_tenant_key() -> None:
    assert keys.tenant_key("r1", "MOMENT", "m1") == {"gsi2pk": "REL#r1", "gsi2sk": "MOMENT#m1"}
    assert keys.relationship("r1")["pk"] == keys.tenant("r1")
    assert "gsi2pk" not in records.relationship_item(Relationship("r1", ("a", "b"), NOW))


def test_records_round_trip_to_domain_objects() -> None:
    profile = UserProfile("u1", "ana", "ana@example.com", "Ana", NOW, "private/users/u1/avatar/x", "r1")
    item = records.profile_item(profile)
    assert item["type"] == records.USER_PROFILE and keys.key_of(item) == keys.profile("u1")
    assert records.profile_from(item) == profile

    relationship = Relationship("r1", ("a", "b"), NOW, date(2019, 2, 14))
    assert records.relationship_from(records.relationship_item(relationship)) == relationship

    request = PartnerRequest("q1", "a", "b", NOW)
    sent, received = records.request_items(request)
    assert records.request_from(sent) == records.request_from(received) == request
    assert (sent["copy"], received["copy"]) == ("sent", "received")


def test_page_tokens_are_opaque_and_garbage_is_ignored() -> None:
    last = {"pk": {"S": "USER#a"}, "sk": {"S": "REQUEST#TO#b"}}
    token = encode_token(last)
    assert token is not None and "USER" not in token
    assert decode_token(token) == last
    assert encode_token(None) is None and decode_token(None) is None
    for garbage in ("%%%", "bm90IGpzb24", "WzEsMl0"):
        assert decode_token(garbage) is None


def test_media_keys_sit_under_their_owners_prefix() -> None:
    key = paths.new_avatar_key("u1")
    assert key.startswith(paths.avatar_prefix("u1")) and key.startswith(paths.user_prefix("u1"))
    assert paths.new_avatar_key("u1") != key
    assert paths.couple_prefix("r1") == "private/rel/r1/"


def test_signed_urls_are_cached_for_less_than_they_live() -> None:
    assert all(0 < cache_seconds(ttl) < ttl for ttl in (2, 60, 3600))


def test_request_bodies_are_strict_json() -> None:
    assert parse_json('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    for text in ("NaN", "[Infinity]", "1e999", "[" * 100000 + "]" * 100000):
        with pytest.raises(json.JSONDecodeError):
            parse_json(text)
