"""Date reminders on the real local stack: the aggregator pages through everyone whose
reminder time it is and finds timed dates an hour ahead; the sender reminds each person once
per date occurrence and offset, however often a message or a whole run is replayed; another
couple's dates never reach anyone else; leaving removes the reminders' state."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.domain import date_reminders as domain
from backend.jobs import date_reminders as job
from backend.local.lambda_context import LocalLambdaContext
from backend.local.scheduler import scheduled_event
from backend.local.stream_poller import StreamPoller
from backend.schedules import scheduled_job
from backend.settings import get_settings
from backend.store import keys, table
from backend.store.date_reminders import ReminderTime, put_time
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_affirmations_jobs import sqs_event, take_all


@pytest.fixture
def queue(stack: Any) -> str:
    url = get_settings().queue_url_date_reminders
    assert url
    take_all(url)
    return url


def at_local(day: date, hhmm: str, zone: str) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def add(api: Api, person: Person, **fields: Any) -> dict[str, Any]:
    body = {"kind": "other", "repeats": "once", **fields}
    status, made = api.post("/dates", body, token=person.access_token)
    assert status == 201, made
    return made


def reminder_time(api: Api, person: Person, zone: str, at: str = "09:00") -> None:
    status, body = api.put("/dates/reminders", {"local_time": at, "time_zone": zone}, token=person.access_token)
    assert status == 200 and body["chosen"] is True, body


def handle(messages: list[dict[str, Any]], times: int = 2) -> None:
    """Every message, ``times`` times over (SQS redelivers; batches are retried), then one by one."""
    for _ in range(times):
        assert job.handler(sqs_event(*messages), LocalLambdaContext("date-reminders")) == {"batchItemFailures": []}
    for message in messages:
        assert job.handler(sqs_event(message), LocalLambdaContext("date-reminders")) == {"batchItemFailures": []}


def ours(messages: list[dict[str, Any]], people: list[Person], relationships: list[str]) -> list[dict[str, Any]]:
    """The messages naming these people or these couples' dates (the stack is shared)."""
    wanted = {p.user_id for p in people}
    kept = []
    for message in messages:
        body = json.loads(message["Body"])
        if set(body.get("recipient_ids", [])) & wanted or body.get("relationship_id") in relationships:
            kept.append(message)
    return kept


def reminded(person: Person) -> list[dict[str, Any]]:
    return list(table.query_all(("pk", keys.user_partition(person.user_id)), ("sk", keys.DATE_REMINDED_PREFIX)))


def reminder_notes(api: Api, person: Person) -> list[tuple[str, str]]:
    status, page = api.get("/notifications", token=person.access_token, query={"limit": "50"})
    assert status == 200, page
    return sorted((n["title"], n["body"]) for n in page["items"] if n["kind"] == "date_reminder")


def test_many_dates_over_many_pages_are_each_reminded_once_however_often_replayed(
    api: Api, couple: MakeCouple, queue: str
) -> None:
    # given Ana and Ben, reminded at 09:00 in Kathmandu (UTC+5:45), among 450 others at that time
    zone = "Asia/Kathmandu"
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date() + timedelta(days=2)
    ana, ben, rel = couple()
    for person in (ana, ben):
        reminder_time(api, person, zone)
    crowd = [f"crowd-{uuid.uuid4().hex}" for _ in range(450)]
    for user_id in crowd:
        put_time(ReminderTime(user_id, "09:00", zone, chosen=True))

    # and their dates: 12 today, 6 birthdays today (first in 2020), 5 in 3 days that asked
    # for "3 days before" and 3 that did not, 4 in 14 days asking for 14 and 1, a yearly one
    # in 7 days asking for 7, and 2 one-off dates of a past year on today's month-day
    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    for n in range(12):
        add(api, ana if n % 2 else ben, title=f"Today {n}", date=day(0))
    for n in range(6):
        add(api, ana, title=f"Birthday {n}", kind="birthday", repeats="yearly", date=f"2020-{day(0)[5:]}")
    for n in range(5):
        add(api, ben, title=f"Soon {n}", date=day(3), reminders_before=[3])
    for n in range(3):
        add(api, ben, title=f"Quiet {n}", date=day(3))
    for n in range(4):
        add(api, ana, title=f"Trip {n}", kind="trip", date=day(14), reminders_before=[14, 1])
    add(
        api,
        ana,
        title="Date night",
        kind="date_night",
        repeats="yearly",
        date=f"2021-{day(7)[5:]}",
        reminders_before=[7],
    )
    for n in range(2):
        add(api, ana, title=f"Past {n}", date=f"2021-{day(0)[5:]}")

    # when the aggregator runs for 09:00 there in pages of 100, and then again (a replayed run,
    # from the QA command, as the cron's retry would)
    instant = at_local(today, "09:00", zone)
    result = job.aggregate(instant, page_size=100)
    assert result.pages >= 5 and (zone, today.isoformat(), "09:00") in result.slots
    assert job.main(["run", "--local", "09:00", "--zone", zone, "--date", today.isoformat()]) == 0
    messages = take_all(queue)
    everyone = Counter(p for m in messages for p in json.loads(m["Body"]).get("recipient_ids", []))
    assert {everyone[u] for u in [*crowd, ana.user_id, ben.user_id]} == {2}  # once per run

    # and every message naming them is handled three times over
    handle(ours(messages, [ana, ben], [rel]))

    # then each of them has exactly 28 reminders, once each, with their notifications
    expected = sorted(
        [(f"Today: Today {n}", f"{today:%A} {today.day} {today:%B}, all day") for n in range(12)]
        + [
            (f"Today: Birthday {n}", f"{today:%A} {today.day} {today:%B}, all day · turns {today.year - 2020}")
            for n in range(6)
        ]
        + [(f"In 3 days: Soon {n}", _day_words(today + timedelta(days=3))) for n in range(5)]
        + [(f"In 14 days: Trip {n}", _day_words(today + timedelta(days=14))) for n in range(4)]
        + [("In 7 days: Date night", _day_words(today + timedelta(days=7)) + f" · {today.year - 2021} years")]
    )
    for person in (ana, ben):
        items = reminded(person)
        assert len(items) == 28 and len({i["reminder_id"] for i in items}) == 28
        assert reminder_notes(api, person) == expected

    # and a day later, the trips' "1 day before" come 13 days on, not before; nothing again today
    handle(ours(messages, [ana, ben], [rel]), times=1)
    assert len(reminded(ana)) == 28
    assert Counter(domain.remind_person(ana.user_id, today + timedelta(days=13)))["reminded"] == 4


def _day_words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def test_an_hour_before_a_timed_date_both_partners_are_reminded_once_and_never_of_another_couple(
    api: Api, couple: MakeCouple, queue: str
) -> None:
    zone = "Asia/Kolkata"  # UTC+5:30, no DST
    the_day = datetime.now(UTC).astimezone(ZoneInfo(zone)).date() + timedelta(days=3)
    ana, ben, ours_rel = couple()
    cat, dan, theirs_rel = couple()
    dinner = add(api, ana, title="Dinner", date=the_day.isoformat(), time="19:40", time_zone=zone)
    add(api, cat, title="Their dinner", date=the_day.isoformat(), time="19:30", time_zone=zone)
    add(api, ben, title="All day", date=the_day.isoformat())  # no time: no hour-before reminder

    # when the cron runs at 18:30 there (as EventBridge invokes it), twice
    registered = scheduled_job("date-reminders")
    assert registered.expression == job.SCHEDULE
    assert registered.handler == "backend.jobs.date_reminders:aggregator_handler"
    name = registered.name
    for _ in range(2):
        event = scheduled_event(name, "us-east-1", at_local(the_day, "18:30", zone))
        assert job.aggregator_handler(event, LocalLambdaContext(name))["dates"] >= 2
    messages = ours(take_all(queue), [], [ours_rel, theirs_rel])
    by_couple = Counter(json.loads(m["Body"])["relationship_id"] for m in messages)
    assert by_couple == {ours_rel: 2, theirs_rel: 2}  # one a run, for the timed dinner only
    assert {json.loads(m["Body"])["date_id"] for m in messages if _is_theirs(m, ours_rel)} == {dinner["date_id"]}
    handle(messages)

    # then both partners of each couple got one reminder of their own dinner, nothing else
    for person in (ana, ben):
        assert reminder_notes(api, person) == [("In an hour: Dinner", "Today at 19:40")]
    for person in (cat, dan):
        assert reminder_notes(api, person) == [("In an hour: Their dinner", "Today at 19:30")]

    # when Ana moves the dinner to 21:00: 18:30 finds nothing of it any more, 20:00 does
    status, _ = api.patch(f"/dates/{dinner['date_id']}", {"time": "21:00"}, token=ana.access_token)
    assert status == 200
    job.aggregate(at_local(the_day, "18:30", zone))
    assert ours(take_all(queue), [], [ours_rel]) == []
    job.aggregate(at_local(the_day, "20:00", zone))
    moved = ours(take_all(queue), [], [ours_rel])
    assert len(moved) == 1
    handle(moved)
    for person in (ana, ben):
        assert reminder_notes(api, person) == [
            ("In an hour: Dinner", "Today at 19:40"),
            ("In an hour: Dinner", "Today at 21:00"),
        ]

    # and without a time it leaves the hour index
    status, _ = api.patch(f"/dates/{dinner['date_id']}", {"time": None}, token=ana.access_token)
    assert status == 200
    assert table.get(keys.couple_date(ours_rel, dinner["date_id"])).get("gsi3pk") is None


def _is_theirs(message: dict[str, Any], relationship_id: str) -> bool:
    return json.loads(message["Body"]).get("relationship_id") == relationship_id


def test_a_yearly_29_february_reminds_on_28_february_of_common_years(api: Api, couple: MakeCouple, queue: str) -> None:
    zone = "Europe/Paris"
    ana, ben, rel = couple()
    add(api, ana, title="Leap birthday", kind="birthday", repeats="yearly", date="2000-02-29", reminders_before=[1])
    add(api, ana, title="Leap lunch", repeats="yearly", date="2024-02-29", time="10:00", time_zone=zone)

    # the day itself and the day before, in a common year and in a leap year
    def titles(day: date) -> list[str]:
        domain.remind_person(ben.user_id, day)
        return sorted(i["title"] for i in reminded(ben) if i["occurrence"] in (day.isoformat(), "2027-02-28"))

    assert titles(date(2027, 2, 27)) == ["Tomorrow: Leap birthday"]
    assert sorted(i["title"] for i in reminded(ben)) == ["Tomorrow: Leap birthday"]
    domain.remind_person(ben.user_id, date(2027, 2, 28))
    assert sorted((i["occurrence"], i["title"]) for i in reminded(ben)) == [
        ("2027-02-28", "Today: Leap birthday"),
        ("2027-02-28", "Today: Leap lunch"),
        ("2027-02-28", "Tomorrow: Leap birthday"),
    ]
    assert Counter(domain.remind_person(ben.user_id, date(2028, 2, 28)))["reminded"] == 1  # tomorrow, the 29th
    assert Counter(domain.remind_person(ben.user_id, date(2028, 2, 29)))["reminded"] == 2

    # and the hour before the lunch, on 28 February 2027, at 09:00 in Paris
    job.aggregate(at_local(date(2027, 2, 28), "09:00", zone))
    (message,) = ours(take_all(queue), [], [rel])
    assert json.loads(message["Body"])["occurrence"] == "2027-02-28"
    handle([message])
    assert ("2027-02-28", "In an hour: Leap lunch") in {(i["occurrence"], i["title"]) for i in reminded(ben)}


def test_leaving_removes_the_reminders_state_and_nothing_comes_after(
    api: Api, couple: MakeCouple, stream: StreamPoller
) -> None:
    ana, ben, rel = couple()
    today = date(2026, 12, 24)
    add(api, ana, title="Christmas Eve", repeats="yearly", date="2020-12-24")
    assert Counter(domain.remind_person(ana.user_id, today))["reminded"] == 1
    assert len(reminded(ana)) == 1
    stream.drain(timeout=120)  # the records of the tests before (hundreds) come first

    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    stream.drain()
    assert reminded(ana) == [] and reminded(ben) == []
    assert domain.remind_person(ana.user_id, today) == Counter({"unpaired": 1})
    assert reminded(ana) == []


def test_the_reminder_time_a_person_chooses_and_the_default_the_app_sets(api: Api, register: Register) -> None:
    eve = register("eve")
    token = eve.access_token
    assert api.get("/dates/reminders", token=token) == (
        200,
        {"local_time": "09:00", "time_zone": "UTC", "chosen": False, "set": False},
    )
    # the app gives the browser's zone: the default 09:00 there
    status, body = api.put("/dates/reminders/zone", {"time_zone": "America/Chicago"}, token=token)
    assert (status, body) == (
        200,
        {"local_time": "09:00", "time_zone": "America/Chicago", "chosen": False, "set": True},
    )
    item = table.get(keys.date_reminder_time(eve.user_id))
    assert item["gsi3pk"] == keys.date_due_partition("America/Chicago", "09:00")
    # the person chooses; the app's zone never changes it again
    reminder_time(api, eve, "Europe/Lisbon", "07:45")
    status, body = api.put("/dates/reminders/zone", {"time_zone": "Asia/Tokyo"}, token=token)
    assert (status, body["local_time"], body["time_zone"], body["chosen"]) == (200, "07:45", "Europe/Lisbon", True)
    assert table.get(keys.date_reminder_time(eve.user_id))["gsi3pk"] == keys.date_due_partition(
        "Europe/Lisbon", "07:45"
    )
    # mistakes are a 422 naming the field, and nothing changes
    for body in (
        {"local_time": "07:40", "time_zone": "Europe/Lisbon"},
        {"local_time": "07:45", "time_zone": "Mars/Olympus"},
        {"local_time": "7:45", "time_zone": "Europe/Lisbon"},
    ):
        status, error = api.put("/dates/reminders", body, token=token)
        assert status == 422, error
    assert api.put("/dates/reminders/zone", {"time_zone": "Nowhere"}, token=token)[0] == 422
    assert api.get("/dates/reminders", token=token)[1]["local_time"] == "07:45"
    assert api.get("/dates/reminders")[0] == 401


def set_anniversary(api: Api, person: Person, relationship_id: str, day: date | None) -> None:
    body = {"anniversary": day.isoformat() if day else None}
    status, found = api.put(f"/relationships/{relationship_id}/anniversary", body, token=person.access_token)
    assert status == 200, found


def test_the_anniversary_is_wished_on_its_day_once_to_both_partners(api: Api, couple: MakeCouple, queue: str) -> None:
    # given Ana and Ben, together since three years before a day ahead, reminded at 09:00 in Lima
    zone = "America/Lima"  # UTC-5, no DST
    the_day = datetime.now(UTC).astimezone(ZoneInfo(zone)).date() + timedelta(days=4)
    if the_day.month == 2 and the_day.day == 29:
        the_day += timedelta(days=1)
    ana, ben, rel = couple()
    cat, dan, other_rel = couple()  # another couple, together since the next day
    set_anniversary(api, ana, rel, the_day.replace(year=the_day.year - 3))
    set_anniversary(api, dan, other_rel, (the_day + timedelta(days=1)).replace(year=the_day.year - 2))
    for person in (ana, ben, cat, dan):
        reminder_time(api, person, zone)

    # when the aggregator runs for 09:00 there on that day, twice, and its messages are handled
    # three times over
    for _ in range(2):
        job.aggregate(at_local(the_day, "09:00", zone))
    messages = ours(take_all(queue), [ana, ben, cat, dan], [])
    handle(messages)

    # then both are wished a happy anniversary once, with their years together; the other
    # couple nothing (theirs is tomorrow)
    for person in (ana, ben):
        assert reminder_notes(api, person) == [("Happy anniversary", "Today: 3 years together")]
        assert [item["title"] for item in reminded(person)] == ["Happy anniversary"]
    for person in (cat, dan):
        assert reminder_notes(api, person) == [] and reminded(person) == []

    # and not the day before, and not on the day it began; "1 year" on the first one
    assert domain.remind_person(ana.user_id, the_day - timedelta(days=1)) == Counter({"nothing due": 1})
    set_anniversary(api, ana, rel, the_day - timedelta(days=365 * 2))
    began = the_day - timedelta(days=365 * 2)
    assert domain.remind_person(ana.user_id, began) == Counter({"nothing due": 1})
    first = began.replace(year=began.year + 1) if not (began.month == 2 and began.day == 29) else None
    if first is not None:
        assert domain.remind_person(ben.user_id, first) == Counter({"reminded": 1})
        assert ("Happy anniversary", "Today: 1 year together") in reminder_notes(api, ben)
    # a couple without an anniversary is wished nothing
    set_anniversary(api, ana, rel, None)
    assert domain.remind_person(ana.user_id, the_day + timedelta(days=365)) == Counter({"nothing due": 1})
