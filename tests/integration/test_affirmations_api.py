"""Affirmations through the API: the writer's list (cap, validation), the schedule (first
choice today, change tomorrow), what the recipient received with hearts on both sides,
"send now" with its limit, other couples' ids, and the cascade when a couple splits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.domain import affirmations
from backend.local.stream_poller import StreamPoller
from backend.settings import reset_settings
from backend.store import keys, table
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error


def write(api: Api, person: Person, text: str) -> dict[str, Any]:
    status, body = api.post("/affirmations", {"text": text}, token=person.access_token)
    assert status == 201, body
    return body


def written(api: Api, person: Person) -> dict[str, Any]:
    status, body = api.get("/affirmations", token=person.access_token)
    assert status == 200, body
    return body


def received(api: Api, person: Person, zone: str = "UTC", **query: str) -> dict[str, Any]:
    status, body = api.get("/affirmations/received", token=person.access_token, query={"zone": zone, **query})
    assert status == 200, body
    return body


@pytest.fixture
def cap_of_three(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LUMI_AFFIRMATIONS_MAX", "3")
    reset_settings()
    yield
    monkeypatch.delenv("LUMI_AFFIRMATIONS_MAX")
    reset_settings()


def test_the_writer_adds_edits_lists_newest_first_and_deletes(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    first = write(api, ana, "  You are wonderful  ")
    second = write(api, ana, "I love your laugh")
    assert first["text"] == "You are wonderful" and first["times_delivered"] == 0 and first["hearts"] == 0
    listed = written(api, ana)
    assert [a["affirmation_id"] for a in listed["items"]] == [second["affirmation_id"], first["affirmation_id"]]
    assert listed["count"] == 2
    # ben's list is his own (empty): ana's are for him, not by him
    assert written(api, ben) == {"items": [], "next": None, "count": 0}
    status, edited = api.patch(
        f"/affirmations/{first['affirmation_id']}", {"text": "You are marvellous"}, token=ana.access_token
    )
    assert status == 200 and edited["text"] == "You are marvellous" and edited["updated_at"]
    assert api.delete(f"/affirmations/{second['affirmation_id']}", token=ana.access_token)[0] == 204
    listed = written(api, ana)
    assert [a["text"] for a in listed["items"]] == ["You are marvellous"] and listed["count"] == 1
    assert_error(api.delete(f"/affirmations/{second['affirmation_id']}", token=ana.access_token), 404, "not_found")
    # the partner cannot edit or delete the writer's
    assert_error(
        api.patch(f"/affirmations/{first['affirmation_id']}", {"text": "x"}, token=ben.access_token), 404, "not_found"
    )
    assert_error(api.delete(f"/affirmations/{first['affirmation_id']}", token=ben.access_token), 404, "not_found")


def test_text_is_1_to_280_code_points_and_emoji_are_welcome(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    family = "👩‍👩‍👧"  # 5 code points
    emoji_280 = "💛" * 280
    assert write(api, ana, emoji_280)["text"] == emoji_280
    assert write(api, ana, family * 56)["text"] == family * 56
    assert_error(api.post("/affirmations", {"text": "💛" * 281}, token=ana.access_token), 422, "validation_error")
    assert_error(api.post("/affirmations", {"text": "a" * 281}, token=ana.access_token), 422, "validation_error")
    assert_error(api.post("/affirmations", {"text": "   "}, token=ana.access_token), 422, "validation_error")
    assert_error(api.post("/affirmations", {"text": "bell\x07"}, token=ana.access_token), 422, "validation_error")


def test_a_writer_keeps_at_most_the_cap_and_deleting_makes_room(
    api: Api, couple: MakeCouple, cap_of_three: None
) -> None:
    ana, ben, _ = couple()
    made = [write(api, ana, f"Kind word {n}") for n in range(3)]
    assert_error(
        api.post("/affirmations", {"text": "one too many"}, token=ana.access_token), 409, "too_many_affirmations"
    )
    # the partner has a cap of their own
    write(api, ben, "Ben's own")
    assert api.delete(f"/affirmations/{made[0]['affirmation_id']}", token=ana.access_token)[0] == 204
    write(api, ana, "Room again")
    assert written(api, ana)["count"] == 3


def test_alone_is_a_409_and_another_couples_ids_are_404_everywhere(
    api: Api, couple: MakeCouple, register: Register
) -> None:
    ana, ben, _ = couple()
    cat, dan, _ = couple()
    loner = register("solo")
    theirs = write(api, ana, "For Ben only")
    sent = api.post("/affirmations/send-now", {"text": "Now, Ben", "save": True}, token=ana.access_token)[1]
    aid, did = theirs["affirmation_id"], sent["delivery_id"]
    for person in (cat, dan):
        token = person.access_token
        assert_error(api.patch(f"/affirmations/{aid}", {"text": "mine now"}, token=token), 404, "not_found")
        assert_error(api.delete(f"/affirmations/{aid}", token=token), 404, "not_found")
        assert_error(api.put(f"/affirmations/received/{did}/heart", token=token), 404, "not_found")
        assert_error(api.delete(f"/affirmations/received/{did}/heart", token=token), 404, "not_found")
        assert written(api, person)["items"] == []
        body = received(api, person)
        assert body["today"] == [] and body["items"] == []
    # ana wrote it, so even she cannot heart what ben received
    assert_error(api.put(f"/affirmations/received/{did}/heart", token=ana.access_token), 404, "not_found")
    # alone
    for response in (
        api.get("/affirmations", token=loner.access_token),
        api.post("/affirmations", {"text": "hi"}, token=loner.access_token),
        api.patch(f"/affirmations/{aid}", {"text": "hi"}, token=loner.access_token),
        api.delete(f"/affirmations/{aid}", token=loner.access_token),
        api.post("/affirmations/send-now", {"text": "hi"}, token=loner.access_token),
    ):
        assert_error(response, 409, "not_paired")
    assert_error(api.put(f"/affirmations/received/{did}/heart", token=loner.access_token), 404, "not_found")
    # nothing of ben's changed
    assert received(api, ben)["today"][0]["hearted"] is False
    assert written(api, ana)["count"] == 2


def test_a_first_choice_applies_today_and_a_change_from_tomorrow(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    status, view = api.get("/affirmations/schedule", token=ana.access_token)
    assert status == 200 and view["chosen"] is False and view["local_time"] == "09:00"
    # (a zone on Paris's date at every hour of the day: with one a day ahead, such as Kiritimati,
    # its "today" is Paris's "tomorrow" from 10:00 to 23:00 UTC and the change would replace it)
    zone = "Europe/Berlin"
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    status, view = api.put(
        "/affirmations/schedule", {"enabled": True, "local_time": "23:45", "time_zone": zone}, token=ana.access_token
    )
    assert status == 200, view
    assert view["chosen"] is True and view["applies_from"] == today.isoformat()
    assert view["next_delivery_at"] is not None
    # when she changes it (another zone, another time), it applies from tomorrow there
    paris_today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    status, view = api.put(
        "/affirmations/schedule",
        {"enabled": True, "local_time": "07:15", "time_zone": "Europe/Paris"},
        token=ana.access_token,
    )
    assert status == 200, view
    assert view["applies_from"] == (paris_today + timedelta(days=1)).isoformat()
    assert view["local_time"] == "07:15" and view["time_zone"] == "Europe/Paris"
    # the first one stays in force until then; it is indexed under its slot, the new one under its own
    items = list(table.query_all(("pk", keys.user_partition(ana.user_id)), ("sk", keys.SCHEDULE_PREFIX)))
    assert [(i["starts_on"], i.get("until"), i["gsi3pk"]) for i in items] == [
        (today.isoformat(), (paris_today + timedelta(days=1)).isoformat(), f"AFFDUE#{zone}#23:45"),
        ((paris_today + timedelta(days=1)).isoformat(), None, "AFFDUE#Europe/Paris#07:15"),
    ]
    # turning it off: not indexed at all
    api.put(
        "/affirmations/schedule",
        {"enabled": False, "local_time": "07:15", "time_zone": "Europe/Paris"},
        token=ana.access_token,
    )
    items = list(table.query_all(("pk", keys.user_partition(ana.user_id)), ("sk", keys.SCHEDULE_PREFIX)))
    assert "gsi3pk" not in items[-1] and items[-1]["enabled"] is False
    assert zone in table.get(keys.affirmation_zones())["zones"]
    # a zone that is not one
    assert_error(
        api.put("/affirmations/schedule", {"enabled": True, "time_zone": "Mars/Olympus"}, token=ana.access_token),
        422,
        "validation_error",
    )
    assert_error(
        api.put(
            "/affirmations/schedule",
            {"enabled": True, "local_time": "09:10", "time_zone": "UTC"},
            token=ana.access_token,
        ),
        422,
        "validation_error",
    )


def test_hearts_show_on_both_sides_and_repeats_change_nothing(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    written_one = write(api, ana, "You make mornings better")
    outcome = affirmations.deliver_daily(ben.user_id, date.today().isoformat(), rng=random.Random(1))
    assert outcome == "delivered"
    today = received(api, ben, zone="UTC")["today"]
    if not today:  # the UTC date turned between the two lines
        today = received(api, ben, zone="UTC")["items"]
    daily = next(d for d in today if d["kind"] == "daily")
    assert daily["text"] == "You make mornings better" and daily["writer_name"] == "Ana"
    for _ in range(2):
        assert api.put(f"/affirmations/received/{daily['delivery_id']}/heart", token=ben.access_token)[0] == 204
    mine = written(api, ana)["items"][0]
    assert mine["hearts"] == 1 and mine["times_delivered"] == 1 and mine["last_delivered_at"]
    for _ in range(2):
        assert api.delete(f"/affirmations/received/{daily['delivery_id']}/heart", token=ben.access_token)[0] == 204
    assert written(api, ana)["items"][0]["hearts"] == 0
    # a delivered one keeps its text (and can still be hearted) after the writer edits and deletes it
    api.patch(f"/affirmations/{written_one['affirmation_id']}", {"text": "changed"}, token=ana.access_token)
    api.delete(f"/affirmations/{written_one['affirmation_id']}", token=ana.access_token)
    assert api.put(f"/affirmations/received/{daily['delivery_id']}/heart", token=ben.access_token)[0] == 204
    kept = received(api, ben, zone="UTC")
    found = next(d for d in kept["today"] + kept["items"] if d["delivery_id"] == daily["delivery_id"])
    assert found["text"] == "You make mornings better" and found["hearted"] is True


def test_send_now_reaches_the_partner_at_once_and_is_limited(
    api: Api, couple: MakeCouple, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUMI_RATE_LIMIT_AFFIRMATIONS_NOW_PER_HOUR", "2")
    reset_settings()
    try:
        ana, ben, _ = couple()
        status, sent = api.post("/affirmations/send-now", {"text": "Proud of you 🌟"}, token=ana.access_token)
        assert status == 201, sent
        assert sent["saved"] is None and sent["delivery_id"] and sent["notification_id"]
        status, saved = api.post(
            "/affirmations/send-now", {"text": "Keep this one", "save": True}, token=ana.access_token
        )
        assert status == 201 and saved["saved"]["text"] == "Keep this one"
        assert_error(api.post("/affirmations/send-now", {"text": "third"}, token=ana.access_token), 429, "rate_limited")
        # ben has both, today, newest first, and a notification for each
        today = received(api, ben, zone="UTC")["today"]
        assert [d["text"] for d in today] == ["Keep this one", "Proud of you 🌟"]
        assert {d["kind"] for d in today} == {"now"}
        status, notes = api.get("/notifications", token=ben.access_token)
        mine = [n for n in notes["items"] if n["category"] == "affirmations"]
        assert [(n["title"], n["body"], n["link"]) for n in mine] == [
            ("Ana says", "Keep this one", "/affirmations/received"),
            ("Ana says", "Proud of you 🌟", "/affirmations/received"),
        ]
        assert [a["text"] for a in written(api, ana)["items"]] == ["Keep this one"]
    finally:
        monkeypatch.delenv("LUMI_RATE_LIMIT_AFFIRMATIONS_NOW_PER_HOUR")
        reset_settings()


def test_received_pages_earlier_days_newest_first(api: Api, couple: MakeCouple) -> None:
    ana, ben, _ = couple()
    write(api, ana, "Daily words")
    today = datetime.now(UTC).date()
    for back in range(1, 6):
        affirmations.deliver_daily(ben.user_id, (today - timedelta(days=back)).isoformat())
    first = received(api, ben, zone="UTC", limit="2")
    assert [d["local_date"] for d in first["items"]] == [
        (today - timedelta(days=1)).isoformat(),
        (today - timedelta(days=2)).isoformat(),
    ]
    dates = [d["local_date"] for d in first["items"]]
    token = first["next"]
    while token:
        page = received(api, ben, zone="UTC", limit="2", next=token)
        assert page["today"] == []
        dates += [d["local_date"] for d in page["items"]]
        token = page["next"]
    assert dates == [(today - timedelta(days=n)).isoformat() for n in range(1, 6)]
    # another person's token does not page through ben's
    assert_error(
        api.get("/affirmations/received", token=ana.access_token, query={"next": first["next"]}),
        422,
        "validation_error",
    )


def test_leaving_removes_affirmations_counts_deliveries_and_hearts(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    ana, ben, rel = couple()
    write(api, ana, "For Ben")
    write(api, ben, "For Ana")
    api.put("/affirmations/schedule", {"enabled": True, "time_zone": "UTC"}, token=ben.access_token)
    affirmations.deliver_daily(ben.user_id, date.today().isoformat())
    sent = api.post("/affirmations/send-now", {"text": "Now", "save": True}, token=ben.access_token)[1]
    assert api.put(f"/affirmations/received/{sent['delivery_id']}/heart", token=ana.access_token)[0] == 204
    stream.drain()
    assert list(table.query_all(("gsi2pk", keys.tenant(rel)), index=keys.TENANT_INDEX))

    # when they split up and the stream runs
    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    stream.drain()

    # then nothing of the couple's affirmations is left (schedules are personal and stay)
    assert list(table.query_all(("gsi2pk", keys.tenant(rel)), index=keys.TENANT_INDEX)) == []
    for person in (ana, ben):
        left = list(table.query_all(("pk", keys.user_partition(person.user_id))))
        assert not [i for i in left if i["sk"].startswith(("AFFIRMATION#", "AFFRECEIVED#"))]
    assert table.get(keys.affirmation_count(rel, ana.user_id)) is None
    assert list(table.query_all(("pk", keys.user_partition(ben.user_id)), ("sk", keys.SCHEDULE_PREFIX)))
