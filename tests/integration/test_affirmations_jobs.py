"""The daily job on the real local stack: the aggregator pages through everyone due and
enqueues each once; the sender delivers once per person and local date however often a
message comes; nothing to send is not a failure."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from backend.aws import client
from backend.jobs import affirmations as job
from backend.local.lambda_context import LocalLambdaContext
from backend.local.scheduler import scheduled_event
from backend.schedules import scheduled_job
from backend.settings import get_settings
from backend.store import keys, table
from backend.store.affirmations import Schedule, put_schedules
from tests.integration.conftest import Api, MakeCouple, Person, Register


def take_all(queue_url: str) -> list[dict[str, Any]]:
    """Every message now on the queue (received and deleted)."""
    sqs = client("sqs")
    taken: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return taken
        taken += messages
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )


def sqs_event(*messages: dict[str, Any]) -> dict[str, Any]:
    """A batch as Lambda's SQS event source hands it over."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:lumi-apitest-affirmations",
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }


def queue_url() -> str:
    url = get_settings().queue_url_affirmations
    assert url
    return url


@pytest.fixture
def empty_queue(stack: Any) -> str:
    take_all(queue_url())
    return queue_url()


def test_2500_due_people_over_many_pages_are_each_enqueued_once(empty_queue: str) -> None:
    # given 2,500 people due at 06:45 in Ushuaia (UTC-3) on 2026-12-06, and some who are not
    zone, day = "America/Argentina/Ushuaia", "2026-12-06"
    due = [f"due-{uuid.uuid4().hex}" for _ in range(2500)]
    not_yet = [f"later-{uuid.uuid4().hex}" for _ in range(30)]
    ended = [f"ended-{uuid.uuid4().hex}" for _ in range(30)]
    put_schedules(
        [Schedule(user, "2026-12-01", True, "06:45", zone) for user in due]
        + [Schedule(user, "2026-12-07", True, "06:45", zone) for user in not_yet]
        + [Schedule(user, "2026-11-01", True, "06:45", zone, until="2026-12-06") for user in ended]
    )

    # when the aggregator runs for 09:45 UTC with pages of 400
    result = job.aggregate(datetime(2026, 12, 6, 9, 45, tzinfo=UTC), page_size=400)

    # then it read every page (2,560 items: at least 7 pages) and enqueued each due person once
    assert (zone, day, "06:45") in result.slots
    assert result.pages >= 7
    bodies = [json.loads(m["Body"]) for m in take_all(empty_queue)]
    ours = Counter(p for b in bodies for p in b["recipient_ids"] if p.startswith(("due-", "later-", "ended-")))
    assert set(ours) == set(due)
    assert set(ours.values()) == {1}
    assert all(b["local_date"] == day and b["kind"] == "daily" for b in bodies if set(b["recipient_ids"]) & set(ours))
    # 10 people a message, ten messages a SendMessageBatch
    assert result.enqueued == sum(len(b["recipient_ids"]) for b in bodies) and result.messages == len(bodies)
    assert len([b for b in bodies if set(b["recipient_ids"]) & set(ours)]) == 250


def test_each_message_replayed_three_times_delivers_once_and_counts_exactly(
    api: Api, couple: MakeCouple, register: Register, empty_queue: str
) -> None:
    # given Ben, whose partner Ana wrote three, Cat whose partner wrote none, Eve alone, all due
    # at 09:30 in Kathmandu today, and Dan who turned his delivery off
    zone = "Asia/Kathmandu"
    ana, ben, _ = couple()
    cat, dan, _ = couple()
    eve = register("eve")
    for text in ("One", "Two", "Three"):
        assert api.post("/affirmations", {"text": text}, token=ana.access_token)[0] == 201
    api.post("/affirmations", {"text": "For Cat? no: for Dan"}, token=cat.access_token)
    for person in (ben, cat, eve):
        schedule(api, person, True, zone)
    schedule(api, dan, False, zone)
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    instant = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo(zone)) + timedelta(hours=9, minutes=30)

    # when the scheduled aggregator runs for that instant (as EventBridge invokes it)
    registered = scheduled_job("affirmations")
    assert registered.expression == job.SCHEDULE
    assert registered.handler == "backend.jobs.affirmations:aggregator_handler"
    name = registered.name
    event = scheduled_event(name, "us-east-1", instant.astimezone(UTC))
    outcome = job.aggregator_handler(event, LocalLambdaContext(name))
    messages = [m for m in take_all(empty_queue) if set(people_of(m)) & set(ids(ben, cat, dan, eve))]
    assert sorted(p for m in messages for p in people_of(m) if p in ids(ben, cat, dan, eve)) == sorted(
        ids(ben, cat, eve)
    )
    assert outcome["enqueued"] >= 3

    # and every message is handled three times (SQS redelivers; a batch is retried)
    for _ in range(3):
        report = job.handler(sqs_event(*messages), LocalLambdaContext("affirmations-sender"))
        assert report == {"batchItemFailures": []}
    for message in messages:  # and one at a time, too
        assert job.handler(sqs_event(message), LocalLambdaContext("affirmations-sender")) == {"batchItemFailures": []}

    # then Ben has exactly one delivery for the day, one pick counted, one notification
    deliveries = received_items(ben)
    assert [d["sk"] for d in deliveries] == [f"AFFRECEIVED#{today.isoformat()}_daily"]
    counts = [a["times_delivered"] for a in api.get("/affirmations", token=ana.access_token)[1]["items"]]
    assert sorted(counts) == [0, 0, 1]
    assert deliveries[0]["text"] in ("One", "Two", "Three")
    notes = api.get("/notifications", token=ben.access_token)[1]["items"]
    assert [(n["title"], n["body"]) for n in notes if n["category"] == "affirmations"] == [
        ("Ana says", deliveries[0]["text"])
    ]
    # and nothing for the others (nothing written for Cat, Eve alone, Dan off), with no failure
    for person in (cat, dan, eve):
        assert received_items(person) == []


def test_the_qa_command_runs_the_aggregator_for_an_instant(
    api: Api, register: Register, empty_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    zone = "America/Noronha"  # UTC-2
    person = register("qa")
    schedule(api, person, True, zone, "07:00")
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    assert job.main(["run", "--local", "07:00", "--zone", zone, "--date", today.isoformat()]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["enqueued"] >= 1 and f"{zone} {today.isoformat()} 07:00" in printed["slots"]
    at = (datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%MZ")
    assert printed["instant"] == at
    bodies = [json.loads(m["Body"]) for m in take_all(empty_queue)]
    assert any(
        person.user_id in b["recipient_ids"] and b["local_date"] == today.isoformat() and b["kind"] == "daily"
        for b in bodies
    )
    assert job.main(["run", "--at", at]) == 0
    assert json.loads(capsys.readouterr().out)["instant"] == at


def schedule(api: Api, person: Person, enabled: bool, zone: str, at: str = "09:30") -> None:
    status, body = api.put(
        "/affirmations/schedule", {"enabled": enabled, "local_time": at, "time_zone": zone}, token=person.access_token
    )
    assert status == 200, body


def people_of(message: dict[str, Any]) -> list[str]:
    return json.loads(message["Body"])["recipient_ids"]


def ids(*people: Person) -> list[str]:
    return [person.user_id for person in people]


def received_items(person: Person) -> list[dict[str, Any]]:
    return list(table.query_all(("pk", keys.user_partition(person.user_id)), ("sk", "AFFRECEIVED#")))


def test_a_sender_that_stopped_before_notifying_notifies_on_the_retry_once(
    api: Api, couple: MakeCouple, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backend.domain.affirmations as domain

    # given Ben is due today, and the first run records his delivery but fails to notify
    ana, ben, _ = couple()
    api.post("/affirmations", {"text": "Only one"}, token=ana.access_token)
    day = datetime.now(UTC).date().isoformat()
    message = {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": "r",
        "Body": json.dumps({"recipient_ids": [ben.user_id], "local_date": day, "kind": "daily"}),
    }
    real_notify = domain.notify

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the function stopped here")

    monkeypatch.setattr(domain, "notify", broken)
    # (a batch whose every record failed fails whole: Powertools raises, SQS retries it)
    with pytest.raises(BatchProcessingError):
        job.handler(sqs_event(message), LocalLambdaContext("affirmations-sender"))
    assert len(received_items(ben)) == 1
    monkeypatch.setattr(domain, "notify", real_notify)

    # when SQS brings the message back, twice
    for _ in range(2):
        assert job.handler(sqs_event(message), LocalLambdaContext("affirmations-sender")) == {"batchItemFailures": []}

    # then Ben was notified once, and the pick counted once
    notes = api.get("/notifications", token=ben.access_token)[1]["items"]
    assert [n["body"] for n in notes if n["category"] == "affirmations"] == ["Only one"]
    assert [a["times_delivered"] for a in api.get("/affirmations", token=ana.access_token)[1]["items"]] == [1]


def dead_letter_queue_url() -> str:
    from backend.resources import dead_letter_queue_name, queue_shape

    return client("sqs").get_queue_url(
        QueueName=dead_letter_queue_name(get_settings().stage, queue_shape("affirmations"))
    )["QueueUrl"]


def test_a_failing_sender_lands_in_the_dlq_after_three_tries_and_the_redrive_command_delivers_it(
    api: Api, couple: MakeCouple, empty_queue: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import backend.domain.affirmations as domain
    from backend.jobs import redrive
    from backend.local.queue_poller import QueuePoller
    from backend.resources import queue_shape

    # given Ben due today, and a sender that fails every time (the table refuses its writes)
    take_all(dead_letter_queue_url())
    ana, ben, _ = couple()
    api.post("/affirmations", {"text": "Worth the wait"}, token=ana.access_token)
    day = datetime.now(UTC).date().isoformat()
    body = json.dumps({"recipient_ids": [ben.user_id], "local_date": day, "kind": "daily"})
    client("sqs").send_message(QueueUrl=empty_queue, MessageBody=body)
    real_deliver = domain.deliver_daily

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the table is away")

    monkeypatch.setattr(domain, "deliver_daily", broken)
    shape = queue_shape("affirmations")
    poller = QueuePoller(empty_queue, job.handler, batch_size=shape.batch_size, concurrency=shape.max_concurrency)

    # when the poller runs it until the queue gives up on it
    poller.drain(timeout=60)

    # then after three tries it waits in the dead-letter queue, and nothing was delivered
    assert shape.max_receive_count == 3
    dead = client("sqs").receive_message(
        QueueUrl=dead_letter_queue_url(), MessageSystemAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    assert [m["Body"] for m in dead] == [body]
    assert dead[0]["Attributes"]["ApproximateReceiveCount"] in {"3", "4"}  # moto counts the DLQ's own receive
    assert received_items(ben) == []

    # when the sender is fixed and the operator redrives the queue with the README's command
    monkeypatch.setattr(domain, "deliver_daily", real_deliver)
    assert redrive.main(["--queue", "affirmations"]) == 0
    assert "moved 1 message(s) from affirmations's dead-letter queue back to it; 0 left" in capsys.readouterr().out
    poller.drain(timeout=60)

    # then Ben gets it once, and both queues are empty
    assert [d["text"] for d in received_items(ben)] == ["Worth the wait"]
    notes = api.get("/notifications", token=ben.access_token)[1]["items"]
    assert [n["body"] for n in notes if n["category"] == "affirmations"] == ["Worth the wait"]
    assert take_all(empty_queue) == [] and take_all(dead_letter_queue_url()) == []
