"""Tags through the API: counts kept by the stream (exact even when records come twice), the
couple's tag list, a tag's page of moments, and deleting a tag from every moment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from backend.local.stream_poller import StreamPoller
from backend.store import keys, table
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_api_auth import assert_error
from tests.integration.test_moments import couple_tags, links_of, replay, share, stored_count


def moment_item(rel: str, moment_id: str) -> dict[str, Any]:
    item = table.get(keys.moment(rel, moment_id))
    assert item is not None
    return item


def test_tag_counts_stay_exact_when_stream_records_come_twice(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    # given a moment tagged a and b, its INSERT handled, then delivered twice more
    ana, ben, rel = couple()
    moment = share(api, ana, tags=["alpha", "beta"])
    stream.drain()
    inserted = moment_item(rel, moment["moment_id"])
    replay("INSERT", new=inserted)
    replay("INSERT", new=inserted)
    assert couple_tags(api, ben) == {"alpha": 1, "beta": 1}
    # when its tags change to b and c, and that MODIFY comes twice more
    status, _ = api.patch(f"/moments/{moment['moment_id']}", {"tags": ["beta", "gamma"]}, token=ana.access_token)
    assert status == 200
    stream.drain()
    modified = moment_item(rel, moment["moment_id"])
    replay("MODIFY", old=inserted, new=modified)
    replay("MODIFY", old=inserted, new=modified)
    # and even the old INSERT again (out of date: the moment no longer carries a)
    replay("INSERT", new=inserted)
    # then every count is the number of moments carrying the tag
    assert couple_tags(api, ben) == {"beta": 1, "gamma": 1}
    assert stored_count(rel, "alpha") == 0 and links_of(rel, "alpha") == []
    # when it is deleted, and the REMOVE comes twice more
    assert api.delete(f"/moments/{moment['moment_id']}", token=ana.access_token)[0] == 204
    stream.drain()
    replay("REMOVE", old=modified)
    replay("REMOVE", old=modified)
    # then nothing is counted any more, and nothing went below zero
    assert couple_tags(api, ben) == {}
    assert [stored_count(rel, slug) for slug in ("alpha", "beta", "gamma")] == [0, 0, 0]


def test_the_tag_list_counts_moments_and_hides_unused_tags(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    ana, ben, _ = couple()
    share(api, ana, tags=["Road trip", "food"])
    share(api, ben, tags=["road  TRIP"])
    only = share(api, ben, tags=["once"])
    stream.drain()
    status, body = api.get("/tags", token=ana.access_token)
    assert status == 200, body
    # most used first; the name is the first spelling, the slug one per name
    assert body["items"] == [
        {"slug": "road-trip", "name": "Road trip", "moment_count": 2},
        {"slug": "food", "name": "food", "moment_count": 1},
        {"slug": "once", "name": "once", "moment_count": 1},
    ]
    # when the only moment with "once" loses it, the tag is no longer listed
    assert api.patch(f"/moments/{only['moment_id']}", {"tags": []}, token=ben.access_token)[0] == 200
    stream.drain()
    assert couple_tags(api, ana) == {"road-trip": 2, "food": 1}


def test_a_tag_page_lists_its_moments_newest_first_in_pages(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given three moments with a tag and one without
    ana, ben, _ = couple()
    tagged = [share(api, ana, title=f"t{n}", tags=["Picnic"])["moment_id"] for n in range(3)]
    share(api, ben, tags=["other"])
    stream.drain()
    # when Ben pages through the tag two at a time
    status, page1 = api.get("/tags/picnic/moments", token=ben.access_token, query={"limit": "2"})
    assert status == 200 and page1["next"], page1
    status, page2 = api.get("/tags/picnic/moments", token=ben.access_token, query={"limit": "2", "next": page1["next"]})
    assert status == 200, page2
    # then he sees exactly the tagged ones, newest first, as full moments
    assert [m["moment_id"] for m in page1["items"] + page2["items"]] == list(reversed(tagged))
    assert all(m["tags"] == [{"slug": "picnic", "name": "Picnic"}] for m in page1["items"])
    # and a token of this tag does not page another tag or the feed
    assert_error(
        api.get("/tags/other/moments", token=ben.access_token, query={"next": page1["next"]}), 422, "validation_error"
    )
    assert_error(api.get("/moments", token=ben.access_token, query={"next": page1["next"]}), 422, "validation_error")
    # and a tag the couple does not have is a 404, and so is a slug that cannot be one
    assert_error(api.get("/tags/never-used/moments", token=ben.access_token), 404, "not_found")
    assert_error(api.get("/tags/Not%20A%20Slug/moments", token=ben.access_token), 404, "not_found")


def test_deleting_a_tag_takes_it_off_every_moment(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given two moments (one each) tagged "Beach"
    ana, ben, rel = couple()
    first = share(api, ana, tags=["Beach", "sea"])
    second = share(api, ben, tags=["beach"])
    stream.drain()
    # when Ben deletes the couple's tag (also on Ana's moment)
    assert api.delete("/tags/beach", token=ben.access_token) == (204, None)
    stream.drain()
    # then no moment carries it, no link is left, and it is not listed
    for moment in (first, second):
        status, seen = api.get(f"/moments/{moment['moment_id']}", token=ana.access_token)
        assert status == 200 and "beach" not in [tag["slug"] for tag in seen["tags"]]
    assert api.get(f"/moments/{first['moment_id']}", token=ana.access_token)[1]["tags"] == [
        {"slug": "sea", "name": "sea"}
    ]
    assert links_of(rel, "beach") == []
    assert couple_tags(api, ana) == {"sea": 1}
    assert_error(api.get("/tags/beach/moments", token=ana.access_token), 404, "not_found")
    assert_error(api.delete("/tags/beach", token=ana.access_token), 404, "not_found")
    # and tagging a moment again starts the tag afresh
    assert api.patch(f"/moments/{second['moment_id']}", {"tags": ["Beach"]}, token=ben.access_token)[0] == 200
    stream.drain()
    assert couple_tags(api, ana) == {"sea": 1, "beach": 1}


def test_a_tag_written_again_before_its_deletion_was_processed_counts_right(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    # given two moments tagged "Park", links counted
    ana, _, rel = couple()
    old_one = share(api, ana, tags=["Park"])
    other = share(api, ana, tags=["Park"])
    stream.drain()
    # when the tag is deleted, and before the stream takes it off the moments, a new moment
    # is tagged "Park" and its INSERT is handled first (a new tag with the same slug)
    assert api.delete("/tags/park", token=ana.access_token)[0] == 204
    fresh = share(api, ana, tags=["park"])
    replay("INSERT", new=moment_item(rel, fresh["moment_id"]))
    assert stored_count(rel, "park") == 1
    stream.drain()
    # then the old moments lost the tag, the new one kept it, and the count is exactly one
    for moment in (old_one, other):
        assert api.get(f"/moments/{moment['moment_id']}", token=ana.access_token)[1]["tags"] == []
    assert api.get(f"/moments/{fresh['moment_id']}", token=ana.access_token)[1]["tags"] == [
        {"slug": "park", "name": "park"}
    ]
    assert couple_tags(api, ana) == {"park": 1}
    assert links_of(rel, "park") == [fresh["moment_id"]]


def test_tags_of_a_moment_are_checked_and_limited(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    moment = share(api, ana)
    path = f"/moments/{moment['moment_id']}"
    status, body = api.patch(path, {"tags": [f"tag {n}" for n in range(11)]}, token=ana.access_token)
    assert status == 422 and "tags" in body["error"]["fields"]
    status, body = api.patch(path, {"tags": ["a" * 33]}, token=ana.access_token)
    assert status == 422
    status, body = api.patch(path, {"tags": ["emoji 🎉"]}, token=ana.access_token)
    assert status == 422 and "tags" in body["error"]["fields"]
    status, edited = api.patch(path, {"tags": ["  Café   au lait ", "CAFE au LAIT"]}, token=ana.access_token)
    assert status == 200, edited
    assert edited["tags"] == [{"slug": "cafe-au-lait", "name": "Café au lait"}]


def test_tags_in_any_language_work_through_their_pages(api: Api, couple: MakeCouple, stream: StreamPoller) -> None:
    # given a moment tagged in Japanese and in Russian
    ana, _, _ = couple()
    moment = share(api, ana, tags=["東京 旅行", "Москва"])
    stream.drain()

    # then the couple's tags carry them, and each tag's page (its slug percent-encoded, as
    # browsers and the app's client send it) lists the moment
    assert couple_tags(api, ana) == {"東京-旅行": 1, "москва": 1}
    for slug in ("東京-旅行", "москва"):
        status, body = api.get(f"/tags/{quote(slug, safe='')}/moments", token=ana.access_token)
        assert status == 200, body
        assert [m["moment_id"] for m in body["items"]] == [moment["moment_id"]]

    # when one is deleted by its encoded slug, then it is gone from the moment too
    assert api.delete(f"/tags/{quote('москва', safe='')}", token=ana.access_token)[0] == 204
    stream.drain()
    assert couple_tags(api, ana) == {"東京-旅行": 1}
    status, body = api.get(f"/moments/{moment['moment_id']}", token=ana.access_token)
    assert [tag["name"] for tag in body["tags"]] == ["東京 旅行"]
