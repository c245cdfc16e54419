"""The couple's dates through the API: adding, editing and deleting by either partner, the month
and upcoming views across December → January and 29 February, the derived anniversary, other
couples' ids, the private .ics feed (parsed with icalendar; re-issued, revoked, rate-limited),
and the cascade when a couple splits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar

from backend.domain import dates as dates_domain
from backend.local.stream_poller import StreamPoller
from backend.settings import reset_settings
from backend.store import keys, table
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error


def add(api: Api, person: Person, **fields: Any) -> dict[str, Any]:
    body = {"kind": "other", "title": "Something", "date": "2026-12-24", **fields}
    status, made = api.post("/dates", body, token=person.access_token)
    assert status == 201, made
    return made


def month(api: Api, person: Person, which: str) -> list[tuple[str, str, str | None]]:
    status, body = api.get("/dates", token=person.access_token, query={"month": which})
    assert status == 200, body
    assert body["month"] == which
    return [(e["occurs_on"], e["title"], e["date_id"]) for e in body["entries"]]


def upcoming(api: Api, person: Person, today: str, limit: int = 10) -> list[tuple[str, str]]:
    status, body = api.get("/dates/upcoming", token=person.access_token, query={"from": today, "limit": str(limit)})
    assert status == 200, body
    assert body["today"] == today
    return [(e["occurs_on"], e["title"]) for e in body["entries"]]


def feed_path(url: str) -> str:
    return url[url.index("/calendar/") :]


def fetch_feed(api: Api, path: str) -> tuple[int, Any]:
    return api.get(path)  # no token: calendar servers have no session


def events(text: str) -> dict[str, Any]:
    return {str(event["UID"]): event for event in Calendar.from_ical(text).walk("VEVENT")}


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """What the domain publishes to the couple's topic (the broker itself is tested elsewhere)."""
    heard: list[tuple[str, Any]] = []
    monkeypatch.setattr(dates_domain, "try_publish", lambda topic, message: heard.append((topic, message)) or True)
    return heard


@pytest.fixture
def two_feed_fetches_an_hour(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_RATE_LIMIT_CALENDAR_FEED_PER_HOUR", "2")
    reset_settings()
    yield
    monkeypatch.delenv("LUMI_RATE_LIMIT_CALENDAR_FEED_PER_HOUR")
    reset_settings()


# ---------------------------------------------------------------- the calendar


def test_either_partner_adds_edits_and_deletes_and_the_other_sees_it(
    api: Api, couple: MakeCouple, published: list[tuple[str, Any]]
) -> None:
    ana, ben, rel = couple()
    # Ana adds Ben's birthday (every year, a reminder 3 days before) and a party with a time
    birthday = add(
        api, ana, kind="birthday", title="  Ben's birthday ", date="1995-01-03", repeats="yearly", reminders_before=[3]
    )
    assert birthday["title"] == "Ben's birthday" and birthday["reminders_before"] == [3]
    assert birthday["created_by"] == ana.user_id and birthday["time"] is None
    party = add(api, ana, kind="date_night", title="NYE", date="2026-12-31", time="20:00", time_zone="Europe/Paris")
    assert party["repeats"] == "once" and party["time_zone"] == "Europe/Paris"
    # Ben sees both: December and January each in their own year, and upcoming across the boundary
    assert month(api, ben, "2026-12") == [("2026-12-31", "NYE", party["date_id"])]
    assert month(api, ben, "2027-01") == [("2027-01-03", "Ben's birthday", birthday["date_id"])]
    assert month(api, ben, "1994-01") == []  # not before its first year
    assert upcoming(api, ben, "2026-12-30") == [("2026-12-31", "NYE"), ("2027-01-03", "Ben's birthday")]
    assert upcoming(api, ben, "2027-01-01") == [("2027-01-03", "Ben's birthday")]
    assert upcoming(api, ben, "2027-01-04") == [("2028-01-03", "Ben's birthday")]
    status, body = api.get("/dates/upcoming", token=ben.access_token, query={"from": "2026-12-30"})
    assert body["entries"][1]["years"] == 32 and body["entries"][1]["item"]["reminders_before"] == [3]
    # Ben edits the party (no time any more) and moves the birthday into December
    status, edited = api.patch(
        f"/dates/{party['date_id']}", {"title": "New Year's Eve", "time": None}, token=ben.access_token
    )
    assert status == 200, edited
    assert edited["title"] == "New Year's Eve" and edited["time"] is None and edited["time_zone"] is None
    assert edited["updated_at"] and edited["date"] == "2026-12-31"
    status, moved = api.patch(f"/dates/{birthday['date_id']}", {"date": "1995-12-30"}, token=ben.access_token)
    assert status == 200 and moved["repeats"] == "yearly" and moved["reminders_before"] == [3]
    assert month(api, ana, "2026-12") == [
        ("2026-12-30", "Ben's birthday", birthday["date_id"]),
        ("2026-12-31", "New Year's Eve", party["date_id"]),
    ]
    assert month(api, ana, "2027-01") == []
    # a once date made yearly moves from one index range to the other
    status, yearly = api.patch(f"/dates/{party['date_id']}", {"repeats": "yearly"}, token=ana.access_token)
    assert status == 200 and yearly["repeats"] == "yearly"
    assert ("2027-12-31", "New Year's Eve", party["date_id"]) in month(api, ben, "2027-12")
    # Ben deletes it: gone for both
    assert api.delete(f"/dates/{party['date_id']}", token=ben.access_token)[0] == 204
    assert_error(api.get(f"/dates/{party['date_id']}", token=ana.access_token), 404, "not_found")
    assert_error(api.delete(f"/dates/{party['date_id']}", token=ana.access_token), 404, "not_found")
    assert_error(api.patch(f"/dates/{party['date_id']}", {"title": "x"}, token=ana.access_token), 404, "not_found")
    assert month(api, ana, "2026-12") == [("2026-12-30", "Ben's birthday", birthday["date_id"])]
    # and each change went to the couple's dates topic, saying who made it
    assert [(m.date_id, m.change, m.by_user_id) for _, m in published] == [
        (birthday["date_id"], "created", ana.user_id),
        (party["date_id"], "created", ana.user_id),
        (party["date_id"], "updated", ben.user_id),
        (birthday["date_id"], "updated", ben.user_id),
        (party["date_id"], "updated", ana.user_id),
        (party["date_id"], "deleted", ben.user_id),
    ]
    assert {topic for topic, _ in published} == {f"lumi/{_stage()}/r/{rel}/dates"}


def _stage() -> str:
    from backend.settings import get_settings

    return get_settings().stage


def test_29_february_falls_on_28_february_in_other_years(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    leap = add(api, ana, kind="birthday", title="Leapling", date="2000-02-29", repeats="yearly")
    assert month(api, ana, "2027-02") == [("2027-02-28", "Leapling", leap["date_id"])]
    assert month(api, ana, "2028-02") == [("2028-02-29", "Leapling", leap["date_id"])]
    assert upcoming(api, ana, "2027-02-28") == [("2027-02-28", "Leapling")]
    assert upcoming(api, ana, "2027-03-01") == [("2028-02-29", "Leapling")]


def test_the_anniversary_shows_as_years_together(api: Api, couple: MakeCouple) -> None:
    ana, ben, rel = couple()
    assert api.put(f"/relationships/{rel}/anniversary", {"anniversary": "2023-12-10"}, token=ana.access_token)[0] == 200
    assert month(api, ben, "2026-12") == [("2026-12-10", "3 years together", None)]
    assert month(api, ben, "2023-12") == []  # the day itself is not an anniversary yet
    assert upcoming(api, ben, "2026-12-11") == [("2027-12-10", "4 years together")]
    _, body = api.get("/dates", token=ben.access_token, query={"month": "2026-12"})
    assert body["entries"][0]["kind"] == "anniversary" and body["entries"][0]["years"] == 3


def test_upcoming_is_soonest_first_and_limited(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    for day, title in [("2027-03-01", "c"), ("2026-12-20", "a"), ("2027-01-05", "b"), ("2026-12-01", "past")]:
        add(api, ana, title=title, date=day)
    add(api, ana, title="yearly", date="1990-12-25", repeats="yearly")
    assert upcoming(api, ana, "2026-12-06") == [
        ("2026-12-20", "a"),
        ("2026-12-25", "yearly"),
        ("2027-01-05", "b"),
        ("2027-03-01", "c"),
    ]
    assert upcoming(api, ana, "2026-12-06", limit=2) == [("2026-12-20", "a"), ("2026-12-25", "yearly")]


def test_what_a_date_may_be(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    for bad in (
        {"title": "x" * 91},
        {"title": "   "},
        {"kind": "holiday"},
        {"date": "2026-02-30"},
        {"date": "1850-01-01"},
        {"time": "25:00"},
        {"reminders_before": [2]},
        {"notes": "n" * 1001},
        {"time": "10:00", "time_zone": "Mars/Olympus"},
    ):
        body = {"kind": "other", "title": "Something", "date": "2026-12-24", **bad}
        assert_error(api.post("/dates", body, token=ana.access_token), 422, "validation_error")
    assert_error(api.get("/dates", token=ana.access_token, query={"month": "2026-13"}), 422, "validation_error")
    assert_error(api.get("/dates", token=ana.access_token), 422, "validation_error")
    for day in ("9999-12-31", "0001-01-01"):  # beyond the calendar's years: refused, never a 500
        assert_error(api.get("/dates/upcoming", token=ana.access_token, query={"from": day}), 422, "validation_error")
    made = add(api, ana, notes="  bring flowers\n  ")
    assert made["notes"] == "bring flowers"
    assert_error(
        api.patch(f"/dates/{made['date_id']}", {"title": None}, token=ana.access_token), 422, "validation_error"
    )


def test_alone_there_is_no_calendar(api: Api, register: Register) -> None:
    solo = register("solo")
    token = solo.access_token
    assert_error(api.get("/dates", token=token, query={"month": "2026-12"}), 409, "not_paired")
    assert_error(api.get("/dates/upcoming", token=token), 409, "not_paired")
    body = {"kind": "other", "title": "x", "date": "2026-12-24"}
    assert_error(api.post("/dates", body, token=token), 409, "not_paired")
    assert_error(api.get("/dates/abc", token=token), 409, "not_paired")
    assert_error(api.get("/calendar/feed", token=token), 409, "not_paired")
    assert_error(api.post("/calendar/feed", token=token), 409, "not_paired")
    assert api.delete("/calendar/feed", token=token)[0] == 204
    assert_error(api.get("/dates", query={"month": "2026-12"}), 401, "unauthorized")


def test_another_couple_s_dates_are_not_found_anywhere(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    eve, _, _ = couple()
    theirs = add(api, ana, title="Ours", date="2026-12-24")
    path = f"/dates/{theirs['date_id']}"
    assert_error(api.get(path, token=eve.access_token), 404, "not_found")
    assert_error(api.patch(path, {"title": "Mine now"}, token=eve.access_token), 404, "not_found")
    assert_error(api.delete(path, token=eve.access_token), 404, "not_found")
    assert month(api, eve, "2026-12") == []
    assert upcoming(api, eve, "2026-12-01") == []
    # untouched for its own couple
    assert api.get(path, token=ana.access_token)[1]["title"] == "Ours"
    # and Eve's feed never holds it
    status, feed = api.post("/calendar/feed", token=eve.access_token)
    assert status == 201
    status, text = fetch_feed(api, feed_path(feed["url"]))
    assert status == 200 and events(text) == {}


# ---------------------------------------------------------------- the feed


def test_the_feed_holds_exactly_the_couple_s_dates_with_their_repeat_rules(api: Api, couple: MakeCouple) -> None:
    ana, ben, rel = couple()
    api.put(f"/relationships/{rel}/anniversary", {"anniversary": "2021-06-14"}, token=ana.access_token)
    birthday = add(api, ana, kind="birthday", title="Ben", date="1995-01-03", repeats="yearly", notes="Cake")
    leap = add(api, ben, kind="birthday", title="Leapling", date="2000-02-29", repeats="yearly")
    dinner = add(api, ben, kind="date_night", title="Dinner", date="2026-12-24", time="19:30", time_zone="Europe/Paris")
    assert api.get("/calendar/feed", token=ana.access_token)[1] == {"active": False, "url": None, "created_at": None}
    status, feed = api.post("/calendar/feed", token=ana.access_token)
    assert status == 201 and feed["active"] and feed["url"].endswith(".ics")
    shown = api.get("/calendar/feed", token=ana.access_token)[1]
    assert shown["active"] and shown["url"] is None  # only a hash is kept

    status, text = fetch_feed(api, feed_path(feed["url"]))
    assert status == 200
    assert api.last_headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(text)
    assert str(cal["X-WR-CALNAME"]) == "Lumi: our dates" and str(cal["METHOD"]) == "PUBLISH"
    found = events(text)
    assert set(found) == {
        f"{birthday['date_id']}@lumi",
        f"{leap['date_id']}@lumi",
        f"{dinner['date_id']}@lumi",
        f"anniversary-{rel}@lumi",
    }
    assert dict(found[f"{birthday['date_id']}@lumi"]["RRULE"]) == {"FREQ": ["YEARLY"]}
    assert str(found[f"{birthday['date_id']}@lumi"]["DESCRIPTION"]) == "Cake"
    assert dict(found[f"{leap['date_id']}@lumi"]["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [2], "BYMONTHDAY": [-1]}
    assert "RRULE" not in found[f"{dinner['date_id']}@lumi"]
    assert found[f"{dinner['date_id']}@lumi"]["DTSTART"].params["TZID"] == "Europe/Paris"
    # Ben's own feed is his own URL, with the same dates
    status, bens = api.post("/calendar/feed", token=ben.access_token)
    assert bens["url"] != feed["url"]
    assert set(events(fetch_feed(api, feed_path(bens["url"]))[1])) == set(found)


def test_a_reissued_or_revoked_secret_gets_a_404_that_says_nothing(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    add(api, ana)
    first = feed_path(api.post("/calendar/feed", token=ana.access_token)[1]["url"])
    assert fetch_feed(api, first)[0] == 200
    second = feed_path(api.post("/calendar/feed", token=ana.access_token)[1]["url"])
    assert fetch_feed(api, first) == (404, None)
    assert fetch_feed(api, second)[0] == 200
    assert api.delete("/calendar/feed", token=ana.access_token)[0] == 204
    assert fetch_feed(api, second) == (404, None)
    assert api.get("/calendar/feed", token=ana.access_token)[1]["active"] is False
    assert api.delete("/calendar/feed", token=ana.access_token)[0] == 204  # again: nothing changes
    # made-up, malformed, or too long: the same empty 404
    for path in ("/calendar/" + "A" * 43 + ".ics", "/calendar/nope.ics", "/calendar/" + "x" * 500 + ".ics"):
        assert fetch_feed(api, path) == (404, None), path


def test_the_feed_is_rate_limited_per_secret(api: Api, couple: MakeCouple, two_feed_fetches_an_hour: None) -> None:
    ana, ben, _ = couple()
    mine = feed_path(api.post("/calendar/feed", token=ana.access_token)[1]["url"])
    assert fetch_feed(api, mine)[0] == 200
    assert fetch_feed(api, mine)[0] == 200
    assert_error(fetch_feed(api, mine), 429, "rate_limited")
    assert int(api.last_headers["retry-after"]) >= 1
    # another secret has its own budget
    theirs = feed_path(api.post("/calendar/feed", token=ben.access_token)[1]["url"])
    assert fetch_feed(api, theirs)[0] == 200


# ---------------------------------------------------------------- leaving


def test_leaving_removes_the_dates_the_count_and_the_feed_secrets(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    ana, ben, rel = couple()
    add(api, ana, title="One")
    add(api, ben, title="Two", repeats="yearly")
    ana_feed = feed_path(api.post("/calendar/feed", token=ana.access_token)[1]["url"])
    ben_feed = feed_path(api.post("/calendar/feed", token=ben.access_token)[1]["url"])
    stream.drain()
    assert fetch_feed(api, ana_feed)[0] == 200

    # when they split up: the feeds stop at once, and the stream removes everything
    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    assert fetch_feed(api, ana_feed) == (404, None)
    stream.drain()

    assert list(table.query_all(("gsi2pk", keys.tenant(rel)), index=keys.TENANT_INDEX)) == []
    assert list(table.query_all(("gsi1pk", keys.dates_partition(rel)), index=keys.DATES_INDEX)) == []
    assert table.get(keys.date_count(rel)) is None
    for person in (ana, ben):
        assert table.get(keys.calendar_feed(person.user_id)) is None
    assert fetch_feed(api, ben_feed) == (404, None)


def test_in_aws_the_feed_link_is_the_app_distribution_the_stack_wrote_to_ssm(
    api: Api, couple: MakeCouple, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the address CloudFront serves the feed at, in the SSM parameter the stack writes
    # (infra: the distribution exists only after the API's function URL, so no environment
    # variable of the API can hold it)
    from backend import aws

    name = "/lumi/dev/public-api-url"
    aws.client("ssm").put_parameter(Name=name, Value="https://d111111abcdef8.cloudfront.net/", Type="String")
    monkeypatch.setenv("LUMI_PUBLIC_API_URL_PARAMETER", name)
    reset_settings()
    dates_domain._parameter_value.cache_clear()
    try:
        ana, _, _ = couple()
        # when
        status, feed = api.post("/calendar/feed", token=ana.access_token)
        # then the link is on the distribution, and CloudFront's path reaches the same feed
        assert status == 201
        assert feed["url"].startswith("https://d111111abcdef8.cloudfront.net/calendar/")
        assert fetch_feed(api, feed_path(feed["url"]))[0] == 200
    finally:
        monkeypatch.delenv("LUMI_PUBLIC_API_URL_PARAMETER")
        reset_settings()
        dates_domain._parameter_value.cache_clear()
