"""``python -m backend.local --data-dir`` survives ``kill -9``: everything saved before the
kill is there after a restart (people and their sign-in, pairing, a moment with its video
bytes and thumbnail, tags and their counts, chat, notifications, a push subscription, the
search index), the stream resumes right after the last record it had done (no record runs
twice, none is skipped), and a kill in the middle of concurrent writes leaves a state whose
transactions are whole and whose counters agree with their items.

Each stack is a real child process in its own process group (Redis included), killed with
SIGKILL. Tests wait for a save by its change count (``x-lumi-change`` → ``snapshot.json``),
never by sleeping.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import redis
from boto3.dynamodb.conditions import Key

from backend.local.quiesce import CHANGE_HEADER
from backend.local.services import free_port
from backend.store import keys
from tests.integration.test_push_delivery import Browser, PushService
from tests.media import jpeg_size, video_bytes

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse 1"


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def wait_until_none(pending: Callable[[], list[str]], timeout: float = 60.0, what: str = "condition") -> None:
    """Wait until ``pending()`` lists nothing; on timeout, say what was still pending."""
    deadline = time.monotonic() + timeout
    while left := pending():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {left}")
        time.sleep(0.1)


# ---------------------------------------------------------------- the stack process


class KeptStack:
    """``python -m backend.local --data-dir`` in its own process group, on free ports."""

    def __init__(self, workdir: Path, data_dir: Path, *extra: str) -> None:
        self.workdir = workdir
        self.data_dir = data_dir
        self.extra = extra
        self.env_file = workdir / "stack.env"
        self.log = workdir / f"stack-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        if self.env_file.exists():
            self.env_file.unlink()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}
        env |= {
            "PYTHONPATH": str(REPO),
            "LUMI_RATE_LIMITS_ENABLED": "false",  # the writers below hammer the API
            "LUMI_PUSH_ALLOW_LOOPBACK": "true",  # the push service is this test, on 127.0.0.1
        }
        for name in ("MOTO", "REDIS", "MQTT", "MQTT_WS", "API"):
            env[f"LUMI_LOCAL_{name}_PORT"] = str(free_port())
        args = [sys.executable, "-m", "backend.local", "--data-dir", str(self.data_dir)]
        args += ["--env-file", str(self.env_file), "--log-level", "DEBUG", *self.extra]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                args, cwd=self.workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(lambda: self.env_file.exists() or self.process.poll() is not None, 90, "the env file")
        assert self.process.poll() is None, self.log.read_text()[-5000:]
        self.env = dict(line.split("=", 1) for line in self.env_file.read_text().splitlines() if "=" in line)
        return self.env

    def hard_kill(self) -> None:
        """SIGKILL to the whole group: the stack and its Redis die at once, nothing is flushed."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def cleanup(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.hard_kill()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def status(self) -> dict[str, Any]:
        path = self.data_dir / "snapshot.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def client(self, service: str) -> Any:
        return boto3.session.Session().client(
            service,
            endpoint_url=self.env["LUMI_AWS_ENDPOINT_URL"],
            region_name=self.env["LUMI_REGION"],
            aws_access_key_id="lumi-local",
            aws_secret_access_key="lumi-local",
        )

    def wait_saved(self) -> dict[str, Any]:
        """Make one change now and wait for the save that covers it, so it covers all before it."""
        tagging = {"TagSet": [{"Key": "saved", "Value": uuid.uuid4().hex}]}
        response = self.client("s3").put_bucket_tagging(Bucket=self.env["LUMI_MEDIA_BUCKET"], Tagging=tagging)
        change = int(response["ResponseMetadata"]["HTTPHeaders"][CHANGE_HEADER])
        return wait_until(lambda: self.status().get("changes", 0) >= change and self.status(), 30, "a save")

    def done_records(self) -> set[int]:
        """Sequence numbers of the stream records this run's poller has done (from its debug log)."""
        done: set[int] = set()
        for first, last in re.findall(r"records (\d+)\.\.(\d+) of \S+ are done", self.text()):
            done.update(range(int(first), int(last) + 1))
        return done

    def resumed_after(self) -> int:
        """Where this run's poller resumed the stream (the snapshot's checkpoint)."""
        found = re.findall(r"the stream resumes after record (\d+) ", self.text())
        assert len(found) == 1, found
        return int(found[0])

    def stream_records(self) -> set[int]:
        """Every record in the table's stream, from the start."""
        streams = self.client("dynamodbstreams")
        arn = self.client("dynamodb").describe_table(TableName=self.env["LUMI_TABLE_NAME"])["Table"]["LatestStreamArn"]
        seen: set[int] = set()
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while True:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                if not page["Records"]:
                    break
                seen.update(int(r["dynamodb"]["SequenceNumber"]) for r in page["Records"])
                iterator = page["NextShardIterator"]
        return seen

    def queue_idle(self) -> bool:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.env["LUMI_QUEUE_URL_NOTIFICATIONS"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return all(value == "0" for value in attributes.values())

    def table(self) -> Any:
        resource = boto3.session.Session().resource(
            "dynamodb",
            endpoint_url=self.env["LUMI_AWS_ENDPOINT_URL"],
            region_name=self.env["LUMI_REGION"],
            aws_access_key_id="lumi-local",
            aws_secret_access_key="lumi-local",
        )
        return resource.Table(self.env["LUMI_TABLE_NAME"])


@pytest.fixture
def stacks() -> Iterator[list[KeptStack]]:
    made: list[KeptStack] = []
    yield made
    for stack in made:
        stack.cleanup()


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


def query(table: Any, pk: str, prefix: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    condition = Key("pk").eq(pk) & Key("sk").begins_with(prefix) if prefix else Key("pk").eq(pk)
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    while True:
        page = table.query(ConsistentRead=True, **kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---------------------------------------------------------------- the API, as the Reflex backend uses it


@dataclass
class Person:
    username: str
    email: str
    user_id: str = ""
    token: str = ""


class Lumi:
    _ips = itertools.count(1)

    def __init__(self, env: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=env["LUMI_API_URL"], timeout=60)

    def call(self, method: str, path: str, person: Person | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {person.token}"} if person else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json() if response.content else None

    def register(self, name: str) -> Person:
        person = Person(f"{name}_{uuid.uuid4().hex[:8]}", "")
        person.email = f"{person.username}@example.com"
        body = {"email": person.email, "password": PASSWORD, "username": person.username, "display_name": name}
        session = self.call("POST", "/auth/register", json=body)
        person.user_id, person.token = session["profile"]["user_id"], session["tokens"]["access_token"]
        return person

    def login(self, person: Person) -> Person:
        session = self.call("POST", "/auth/login", json={"login": person.username, "password": PASSWORD})
        assert session["profile"]["user_id"] == person.user_id
        return Person(person.username, person.email, person.user_id, session["tokens"]["access_token"])

    def pair(self, first: Person, second: Person) -> str:
        request = self.call("POST", "/relationships/requests", first, json={"to": second.username})
        accepted = self.call("POST", f"/relationships/requests/{request['request_id']}/accept", second)
        return str(accepted["relationship_id"])

    def share(self, person: Person, video: bytes, title: str, tags: list[str]) -> dict[str, Any]:
        """Upload a video with the ticket's presigned POST, as the browser does, and make it a moment."""
        ticket = self.call("POST", "/moments/uploads", person, json={"content_type": "video/mp4", "size": len(video)})
        posted = httpx.post(
            ticket["url"], data=ticket["fields"], files={"file": ("clip.mp4", video, "video/mp4")}, timeout=60
        )
        assert posted.status_code == 204, posted.text
        body = {"moment_id": ticket["moment_id"], "title": title, "tags": tags}
        return dict(self.call("POST", "/moments", person, json=body))

    def tags(self, person: Person) -> dict[str, int]:
        return {tag["slug"]: tag["moment_count"] for tag in self.call("GET", "/tags", person)["items"]}

    def search(self, person: Person, text: str) -> list[str]:
        found = self.call("GET", "/moments/search", person, params={"q": text})
        return [moment["moment_id"] for moment in found["items"]]

    def notifications(self, person: Person) -> list[dict[str, Any]]:
        return list(self.call("GET", "/notifications", person, params={"limit": "100"})["items"])


# ---------------------------------------------------------------- a hard kill after a save


def test_a_hard_kill_keeps_every_kind_of_data_and_the_stream_resumes_after_it(
    tmp_path: Path, stacks: list[KeptStack], push_service: PushService
) -> None:
    data_dir = tmp_path / "data"
    first = KeptStack(tmp_path, data_dir)
    stacks.append(first)
    first.start()
    lumi = Lumi(first.env)

    # given a couple with a moment (video, tags), a chat message, a nudge and a push subscription
    redis.Redis.from_url(first.env["LUMI_REDIS_URL"]).set("lumi:test:kept", "in the append-only file")
    ana, ben = lumi.register("ana"), lumi.register("ben")
    browser = Browser(push_service.endpoint(201))
    lumi.call("POST", "/push/subscriptions", ana, json=browser.to_json())
    rel = lumi.pair(ana, ben)
    wait_until_none(  # both are told they are a pair (the stream): that comes first
        lambda: [p.username for p in (ana, ben) if not lumi.notifications(p)], what="the pairing notices"
    )
    video = video_bytes()
    moment = lumi.share(ana, video, "Sunset at the beach", ["beach", "summer"])
    moment_id = moment["moment_id"]
    lumi.call("POST", f"/moments/{moment_id}/messages", ben, json={"text": "so pretty"})
    lumi.call("POST", "/nudges", ben)

    # and the stream and the sender have done everything: counts, thumbnail, index, the pushes
    # (being paired, the chat message and the nudge all reach ana, who is away, on her phone)
    def unsettled(
        stack: KeptStack, api: Lumi, ana: Person, tags: dict[str, int], pushes: int, done_earlier: set[int]
    ) -> list[str]:
        checks = {
            "tag counts": lambda: api.tags(ana) == tags,
            "thumbnail": lambda: bool(api.call("GET", f"/moments/{moment_id}", ana)["thumbnail_url"]),
            "search": lambda: api.search(ana, "sunset") == [moment_id],
            "pushes": lambda: len(push_service.received(browser.endpoint)) == pushes,
            "queue": stack.queue_idle,
            "stream": lambda: stack.stream_records() <= done_earlier | stack.done_records(),
        }
        pending = [name for name, check in checks.items() if not check()]
        if "pushes" in pending:
            pending.append(f"{len(push_service.received(browser.endpoint))} pushes")
        return pending

    wait_until_none(
        lambda: unsettled(first, lumi, ana, {"beach": 1, "summer": 1}, 3, set()), what="the stream and sender"
    )
    ana_notifications, ben_notifications = lumi.notifications(ana), lumi.notifications(ben)
    assert [n["kind"] for n in ben_notifications] == ["new_moment", "paired"]
    assert [n["kind"] for n in ana_notifications] == ["thinking_of_you", "moment_message", "paired"]
    done_before = first.done_records()
    assert done_before == first.stream_records()

    # when a save covers all of it and the stack is killed
    first.wait_saved()
    first.hard_kill()
    second = KeptStack(tmp_path, data_dir)
    stacks.append(second)
    second.start()
    lumi2 = Lumi(second.env)

    # then both still sign in (Cognito), still paired, and the moment is whole
    ana2, ben2 = lumi2.login(ana), lumi2.login(ben)
    assert lumi2.call("GET", "/relationships/current", ben2)["relationship"]["relationship_id"] == rel
    (kept,) = lumi2.call("GET", "/moments", ana2)["items"]
    assert kept["moment_id"] == moment_id and kept["message_count"] == 1
    assert httpx.get(kept["video_url"], timeout=30).content == video
    thumbnail = httpx.get(kept["thumbnail_url"], timeout=30)
    assert thumbnail.status_code == 200 and jpeg_size(thumbnail.content)[0] > 0
    assert lumi2.tags(ana2) == {"beach": 1, "summer": 1}
    assert lumi2.search(ana2, "beach") == [moment_id]
    messages = lumi2.call("GET", f"/moments/{moment_id}/messages", ana2)["items"]
    assert [m["text"] for m in messages] == ["so pretty"]
    assert lumi2.notifications(ana2) == ana_notifications
    assert lumi2.notifications(ben2) == ben_notifications
    assert query(second.table(), keys.user_partition(ana.user_id), keys.PUSH_PREFIX)
    assert redis.Redis.from_url(second.env["LUMI_REDIS_URL"]).get("lumi:test:kept") == b"in the append-only file"
    # and the stream resumes right after the last record the first run had done
    assert second.resumed_after() == max(done_before)

    # when ben shares another moment with a tag that exists
    lumi2.share(ben2, video, "Back at the beach", ["beach"])

    # then its records are done once: the tag counts one more, ana is notified (and pushed) once
    wait_until_none(
        lambda: unsettled(second, lumi2, ana2, {"beach": 2, "summer": 1}, 4, done_before), what="the second moment"
    )
    kinds = [n["kind"] for n in lumi2.notifications(ana2)]
    assert kinds == ["new_moment", "thinking_of_you", "moment_message", "paired"]
    done_after = second.done_records()
    assert not done_before & done_after, "stream records were done twice"
    assert done_before | done_after == second.stream_records()
    assert browser.decrypt(push_service.received(browser.endpoint)[-1].body)  # the VAPID keys were kept
    assert second.stop() == 0
    assert "stopped" in second.text()


# ---------------------------------------------------------------- a snapshot it cannot read


def test_a_snapshot_it_cannot_read_stops_the_stack_and_stays_untouched(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    unreadable = b'LUMI-SNAPSHOT\n{"format": 99}\nfrom a later Lumi'
    (data_dir / "snapshot.pickle").write_bytes(unreadable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMI_", "AWS_"))}
    env["PYTHONPATH"] = str(REPO)
    for name in ("MOTO", "REDIS", "MQTT", "MQTT_WS", "API"):
        env[f"LUMI_LOCAL_{name}_PORT"] = str(free_port())

    result = subprocess.run(
        [sys.executable, "-m", "backend.local", "--data-dir", str(data_dir), "--env-file", str(tmp_path / "env")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )

    said = result.stderr.decode()
    assert result.returncode == 3, said
    assert str(data_dir / "snapshot.pickle") in said and "format 99" in said and "make dev FRESH=1" in said
    assert "Traceback" not in said
    assert (data_dir / "snapshot.pickle").read_bytes() == unreadable
    assert not (tmp_path / "env").exists()


# ---------------------------------------------------------------- a hard kill during writes


@dataclass
class Acked:
    """What a writer was told was done, and when."""

    at: float
    what: str


def write_until(stop: threading.Event, log: list[Acked], act: Callable[[int], str | None]) -> None:
    for i in itertools.count():
        if stop.is_set():
            return
        try:
            what = act(i)
        except (httpx.HTTPError, AssertionError):
            return  # the stack is gone
        if what is not None:
            log.append(Acked(time.time(), what))


def consistent(stack: KeptStack, rel: str, moment_id: str, ana: Person, settled: bool) -> list[str]:
    """What disagrees in the table: transactions must always be whole; once the stream has
    caught up (``settled``), every counter must count exactly its items."""
    table = stack.table()
    problems: list[str] = []
    moment = table.get_item(Key=keys.moment(rel, moment_id), ConsistentRead=True)["Item"]
    messages = query(table, keys.moment_partition(moment_id), keys.MESSAGE_PREFIX)
    counted = [m for m in messages if m.get("counted")]
    if int(moment.get("message_count", 0)) != len(counted):
        problems.append(f"message_count {moment.get('message_count')} but {len(counted)} messages counted")
    if settled and len(counted) != len(messages):
        problems.append(f"{len(messages) - len(counted)} messages not counted")

    notifications = query(table, keys.user_partition(ana.user_id), keys.NOTIFICATION_PREFIX)
    counter = table.get_item(Key=keys.unread_counter(ana.user_id), ConsistentRead=True).get("Item") or {}
    flagged = [n for n in notifications if n.get("unread_counted")]
    if int(counter.get("unread_count", 0)) != len(flagged):
        problems.append(f"unread_count {counter.get('unread_count')} but {len(flagged)} flagged")
    unread = [n for n in notifications if "read_at" not in n]
    if settled and len(unread) != len(flagged):
        problems.append(f"{len(unread)} unread notifications, {len(flagged)} counted")

    items = query(table, keys.tenant(rel), "")
    links: dict[str, int] = {}
    for link in (i for i in items if i["sk"].startswith(keys.TAGGED_PREFIX)):
        links[link["slug"]] = links.get(link["slug"], 0) + 1
    counts = {i["slug"]: int(i.get("moment_count", 0)) for i in items if i["sk"].startswith(keys.TAG_PREFIX)}
    if any(counts.get(slug, 0) != n for slug, n in links.items()) or any(
        n != links.get(slug, 0) for slug, n in counts.items()
    ):
        problems.append(f"tag counts {counts} but links {links}")
    if settled:
        current = {tag["slug"] for tag in moment.get("tags", [])}
        if set(links) != current:
            problems.append(f"links {sorted(links)} but the moment has tags {sorted(current)}")
    return problems


def test_a_hard_kill_during_writes_leaves_whole_transactions_and_agreeing_counters(
    tmp_path: Path, stacks: list[KeptStack]
) -> None:
    data_dir = tmp_path / "data"
    first = KeptStack(tmp_path, data_dir)
    stacks.append(first)
    first.start()
    lumi = Lumi(first.env)
    ana, ben = lumi.register("ana"), lumi.register("ben")
    rel = lumi.pair(ana, ben)
    moment_id = lumi.share(ana, video_bytes(), "Our kitchen", ["home"])["moment_id"]
    first.wait_saved()
    started = first.status()["generation"]

    # given four people-sized writers hammering the API: chat, nudges, retagging, reading
    tag_sets = [["home", "food"], ["food", "sunday"], ["home"]]
    writers: dict[str, Callable[[int], str | None]] = {
        "message": lambda i: Lumi(first.env).call(
            "POST", f"/moments/{moment_id}/messages", ana, json={"text": f"message {i}"}
        )["message_id"],
        "nudge": lambda i: Lumi(first.env).call("POST", "/nudges", ben)["notification_id"],
        "retag": lambda i: "/".join(
            Lumi(first.env).call("PATCH", f"/moments/{moment_id}", ana, json={"tags": tag_sets[i % 3]})["tags"][0][
                "slug"
            ]
        ),
        "read": lambda i: Lumi(first.env).call("POST", "/notifications/read", ana, json={"all": True}) and None,
    }
    stop = threading.Event()
    acked: dict[str, list[Acked]] = {name: [] for name in writers}
    threads = [
        threading.Thread(target=write_until, args=(stop, acked[name], act), daemon=True)
        for name, act in writers.items()
    ]
    for thread in threads:
        thread.start()

    # when several saves happen during the writes, and the stack is killed in the middle of them
    wait_until(lambda: first.status()["generation"] >= started + 3, 90, "saves during the writes")
    last_save = first.status()
    first.hard_kill()
    stop.set()
    for thread in threads:
        thread.join(60)
    assert len(acked["message"]) > 5 and len(acked["nudge"]) > 5, {k: len(v) for k, v in acked.items()}

    # then the state as saved, before any poller runs, has whole transactions and agreeing counters
    frozen = KeptStack(tmp_path, data_dir, "--without", "pollers")
    stacks.append(frozen)
    frozen.start()
    assert consistent(frozen, rel, moment_id, ana, settled=False) == []
    # and everything acknowledged before the last save's pause is in it
    messages = {m["message_id"] for m in query(frozen.table(), keys.moment_partition(moment_id), keys.MESSAGE_PREFIX)}
    nudges = {
        n["notification_id"] for n in query(frozen.table(), keys.user_partition(ana.user_id), keys.NOTIFICATION_PREFIX)
    }
    before = last_save["paused_at"]
    assert {a.what for a in acked["message"] if a.at < before} <= messages
    assert {a.what for a in acked["nudge"] if a.at < before} <= nudges
    assert frozen.stop() == 0  # a run without pollers keeps the saved stream position as it was

    # when the stack runs again with its pollers, the records after that position are done once
    again = KeptStack(tmp_path, data_dir)
    stacks.append(again)
    again.start()
    checkpoint = again.resumed_after()

    def caught_up() -> bool:
        later = {record for record in again.stream_records() if record > checkpoint}
        return later <= again.done_records() and again.queue_idle()

    wait_until(caught_up, 120, "the stream to catch up")
    assert min(again.done_records(), default=checkpoint + 1) == checkpoint + 1, "a record before it ran again"
    assert consistent(again, rel, moment_id, ana, settled=True) == []
    assert again.stop() == 0
