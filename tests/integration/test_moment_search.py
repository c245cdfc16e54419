"""Searching moments through the API: what the stream handler indexes (title, description,
tags), edits and deletions followed by the index, couples kept apart, a relationship's end
emptying its index, and queries checked at the edge.

Moments are shared the real way (presigned POST of a real ffmpeg test video, then
POST /moments); the API test stack has no pollers, so each test drains the stream itself.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.local.queue_poller import QueuePoller
from backend.local.stream_poller import StreamPoller
from backend.search import get_search_index
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.media import CONTENT_TYPES, make_video


def share(api: Api, person: Person, title: str, description: str = "", tags: list[str] | None = None) -> str:
    """Upload a real video and make it a moment; returns its id."""
    data = make_video().read_bytes()
    status, ticket = api.post(
        "/moments/uploads", {"content_type": CONTENT_TYPES["mp4"], "size": len(data)}, token=person.access_token
    )
    assert status == 201, ticket
    uploaded = httpx.post(
        ticket["url"], data=ticket["fields"], files={"file": ("clip.mp4", data, CONTENT_TYPES["mp4"])}, timeout=30
    )
    assert uploaded.status_code in (200, 201, 204), uploaded.text
    status, moment = api.post(
        "/moments",
        {"moment_id": ticket["moment_id"], "title": title, "description": description, "tags": tags or []},
        token=person.access_token,
    )
    assert status == 201, moment
    return str(moment["moment_id"])


def search(api: Api, person: Person, q: str, **query: str) -> list[str]:
    status, body = api.get("/moments/search", query={"q": q, **query}, token=person.access_token)
    assert status == 200, body
    assert body["query"] == q.strip()
    return [moment["moment_id"] for moment in body["items"]]


def test_moments_are_found_by_words_of_title_description_and_tags(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given
    ana, ben, _ = couple()
    sunset = share(api, ana, "Sunset at the pier", "Ice cream and seagulls")
    trip = share(api, ben, "Day one", "Driving north", tags=["Road trip", "Café stops"])
    mentions = share(api, ana, "Evening", "We watched the sunset from the car")
    stream.drain()
    # when / then: title, description and tag words, for either partner
    assert search(api, ana, "pier") == [sunset]
    assert search(api, ben, "seagulls") == [sunset]
    assert search(api, ana, "road trip") == [trip]
    # accents and case do not matter; the last word may be unfinished
    assert search(api, ben, "CAFE") == [trip]
    assert search(api, ana, "driv") == [trip]
    # a title match ranks above a description match
    assert search(api, ana, "sunset") == [sunset, mentions]
    # the answer carries whole moments: found while its video is being checked, processing
    status, body = api.get("/moments/search", query={"q": "  pier  "}, token=ana.access_token)
    assert status == 200
    assert body["query"] == "pier"
    (found,) = body["items"]
    assert found["title"] == "Sunset at the pier"
    assert found["owner"]["user_id"] == ana.user_id
    assert found["status"] == "processing" and found["video_url"] is None
    # and once the media job found it playable, ready with its video
    media.drain()
    stream.drain()
    assert search(api, ana, "pier") == [sunset]
    (found,) = api.get("/moments/search", query={"q": "pier"}, token=ana.access_token)[1]["items"]
    assert found["status"] == "ready" and found["video_url"]


def test_limit_caps_the_results(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given
    ana, _, _ = couple()
    for n in range(3):
        share(api, ana, f"Picnic {n}")
    stream.drain()
    # when / then
    assert len(search(api, ana, "picnic", limit="2")) == 2
    assert len(search(api, ana, "picnic")) == 3


def test_another_couple_never_sees_our_results(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given two couples with beach moments, one with a word of its own
    ana, _, _ = couple()
    yan, zoe, _ = couple()
    ours = share(api, ana, "Beach day", "Lighthouse in the fog")
    theirs = share(api, yan, "Beach night")
    stream.drain()
    # when / then
    assert search(api, ana, "beach") == [ours]
    assert search(api, yan, "beach") == [theirs]
    assert search(api, zoe, "lighthouse") == []


def test_an_edited_moment_is_found_by_its_new_words(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given
    ana, ben, _ = couple()
    moment_id = share(api, ana, "Mountain hike", tags=["Summer"])
    stream.drain()
    # when
    status, body = api.patch(
        f"/moments/{moment_id}", {"title": "Lake swim", "tags": ["Winter"]}, token=ana.access_token
    )
    assert status == 200, body
    stream.drain()
    # then
    assert search(api, ben, "lake") == [moment_id]
    assert search(api, ben, "winter") == [moment_id]
    assert search(api, ben, "mountain") == []
    assert search(api, ben, "summer") == []


def test_a_deleted_moment_disappears_and_the_stream_removes_it_from_the_index(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    # given
    ana, ben, relationship_id = couple()
    kept = share(api, ana, "Fireworks over the bay")
    deleted = share(api, ana, "Fireworks at midnight")
    stream.drain()
    assert sorted(search(api, ben, "fireworks")) == sorted([kept, deleted])
    # when
    status, _ = api.delete(f"/moments/{deleted}", token=ana.access_token)
    assert status == 204
    # then it is gone from the answers at once (moments are read from the table)...
    assert search(api, ben, "fireworks") == [kept]
    # ...and from the index once the stream has run
    stream.drain()
    assert get_search_index().search(relationship_id, "fireworks", 10) == [kept]


def test_the_end_of_a_relationship_empties_its_index(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given
    ana, _, relationship_id = couple()
    share(api, ana, "Anniversary dinner", tags=["Candles"])
    stream.drain()
    assert get_search_index().search(relationship_id, "candles", 10)
    # when
    status, _ = api.delete(f"/relationships/{relationship_id}", token=ana.access_token)
    assert status == 204
    stream.drain()
    # then
    assert get_search_index().search(relationship_id, "candles", 10) == []
    assert get_search_index().search(relationship_id, "anniversary", 10) == []


def test_query_syntax_is_searched_as_words_never_an_error(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given one moment with the word "beach"
    ana, _, _ = couple()
    moment_id = share(api, ana, "Beach picnic")
    stream.drain()
    # then search syntax around the words is taken as the words (never passed on as syntax)
    for q in ['"beach', "beach*", "picnic:beach", "-beach", "(beach)", "beach';--", '"beach" "picnic"']:
        assert search(api, ana, q) == [moment_id], q
    # and syntax alone finds nothing, without an error
    for q in ['"', "NEAR(", "-", "*", "OR AND NOT"]:
        assert search(api, ana, q) == [], q


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "beach", "limit": "0"},
        {"q": "beach", "limit": "51"},
        {"q": "beach", "limit": "many"},
    ],
)
def test_queries_are_checked_at_the_edge(api: Api, couple: MakeCouple, query: dict[str, Any]) -> None:
    ana, _, _ = couple()
    status, body = api.get("/moments/search", query=query, token=ana.access_token)
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"


def test_blanks_around_a_query_do_not_count_towards_its_length(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    status, body = api.get("/moments/search", query={"q": f"  {'x' * 200}  "}, token=ana.access_token)
    assert status == 200, body
    assert body == {"query": "x" * 200, "items": []}


def test_searching_needs_a_partner_and_a_sign_in(api: Api, register: Register) -> None:
    single = register("solo")
    status, body = api.get("/moments/search", query={"q": "beach"}, token=single.access_token)
    assert status == 409, body
    assert body["error"]["code"] == "not_paired"
    status, body = api.get("/moments/search", query={"q": "beach"})
    assert status == 401, body
