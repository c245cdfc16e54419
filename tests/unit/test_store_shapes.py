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
from backend.store.table import _start_key_names, _token_fits, decode_token, encode_token

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


def test_a_start_key_fits_only_its_own_listing() -> None:
    # given the start keys DynamoDB hands back for a table query and for an index query
    table_key = {"pk": {"S": "REL#r1"}, "sk": {"S": "MOMENT#m1"}}
    index_key = {**table_key, "gsi1pk": {"S": "MOMENTS#r1#BY#a"}, "gsi1sk": {"S": "MOMENT#m1"}}
    feed, mine = ("pk", "REL#r1"), ("gsi1pk", "MOMENTS#r1#BY#a")
    table_names, index_names = _start_key_names(None, feed), _start_key_names("gsi1", mine)
    # then each continues its own listing
    assert _token_fits(table_key, table_names, feed, ("sk", "MOMENT#"))
    assert _token_fits(index_key, index_names, mine, ("gsi1sk", "MOMENT#"))
    # and nothing else: the other listing, another partition or prefix, a missing or extra attribute, a non-string
    assert not _token_fits(index_key, table_names, feed, ("sk", "MOMENT#"))
    assert not _token_fits(table_key, index_names, mine, None)
    assert not _token_fits(table_key, table_names, ("pk", "REL#r2"), None)
    assert not _token_fits(table_key, table_names, feed, ("sk", "TAGGED#"))
    assert not _token_fits({k: v for k, v in index_key.items() if k != "gsi1sk"}, index_names, mine, None)
    assert not _token_fits({**table_key, "sk": {"N": "1"}}, table_names, feed, None)
    assert not _token_fits(None, table_names, feed, None)


def test_ids_sort_by_their_time_to_the_microsecond() -> None:
    earlier, at = records.time_ordered_id(datetime(2024, 2, 14, 12, 0, 0, 999_999, tzinfo=UTC))
    later, _ = records.time_ordered_id(datetime(2024, 2, 14, 12, 0, 1, tzinfo=UTC))
    assert earlier < later and at == datetime(2024, 2, 14, 12, 0, 0, 999_999, tzinfo=UTC)
    assert int(earlier[:14], 16) + 1 == int(later[:14], 16) and len(earlier) == 30


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
