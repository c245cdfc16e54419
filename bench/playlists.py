"""Playlists benchmark: how fast a reorder reaches the partner's screen, and how many DynamoDB
calls the stats pages, a playlist's entries page and a move make.

Run it alone (it starts the local system itself)::

    flock /tmp/lumi-bench.lock env PYTHONPATH=$PWD .venv/bin/python -m bench.playlists

It starts the local stack in this process (moto, Redis, the API behind the local adapter, the
embedded MQTT broker, the stream and queue pollers), so every boto3 call the API makes is
counted here (a botocore hook, as ``bench.music`` counts a library page's calls). Everything
binds 127.0.0.1 (no app or Reflex backend: ports 3370/8370 stay free). Figures are printed,
never asserted: they describe this machine.

1. Reorder latency to the partner: Ana and Ben share a playlist of ``--entries`` songs. Ben
   listens as the app server does (the service principal subscribed to every person's and
   couple's topics, ``realtime.topics.service_subscriptions``); on each ``playlist_changed`` of
   that playlist he refetches the entries page through the API (``GET …/entries?limit=…``, one
   page holding the whole playlist). Ana moves a random entry after a random other one (one in
   ten to the start) with ``PATCH …/entries/{id}``; timed from her request being sent to Ben
   holding the new order (his page equal to the order Ana made), over ``--moves`` moves, one at
   a time. Split into Ana's request, the message's arrival, and Ben's refetch. The stream
   poller runs meanwhile, as it does in the system.
2. DynamoDB calls: Ana records ``--plays`` listens through ``POST /music/plays`` (spread over
   the last 13 days, the API's limit being 14), a tenth first, then the rest; the stream counts
   them (the poller is stopped and drained by hand, so only each request's own calls are
   counted). After each batch: the calls and the time of ``GET /music/stats`` for each period
   and ``GET /music/stats/days`` (30 and 366 days); then of an entries page of the playlist
   (100 and all entries), the playlist itself (its mosaic) and one move. "in DynamoDB" is the
   time spent inside those calls (the emulator's share).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.api import CallCounter
from bench.music import Client, DynamoTime, library_songs, loadavg, summary, timed_part

PERIODS = ("week", "month", "year", "all")


# ---------------------------------------------------------------- pure helpers


def moved(order: list[str], entry_id: str, after: str | None) -> list[str]:
    """The order after moving ``entry_id`` right after ``after`` (None: to the start)."""
    rest = [item for item in order if item != entry_id]
    at = 0 if after is None else rest.index(after) + 1
    return [*rest[:at], entry_id, *rest[at:]]


def pick_move(order: list[str], rng: random.Random, to_start: float = 0.1) -> tuple[str, str | None]:
    """A random entry and a random anchor other than itself (or None, to the start, now and then),
    never a move that leaves the order as it is."""
    while True:
        entry_id = rng.choice(order)
        after = None if rng.random() < to_start else rng.choice([item for item in order if item != entry_id])
        if moved(order, entry_id, after) != order:
            return entry_id, after


# ---------------------------------------------------------------- Ben, listening like the app server


class Listener:
    """Ben's screen: the service principal's MQTT connection; each ``playlist_changed`` of the
    playlist makes him refetch its entries (in his own thread, with his own HTTP connection)."""

    def __init__(self, env: dict[str, str], api_url: str, token: str, playlist_id: str, limit: int) -> None:
        import paho.mqtt.client as mqtt

        from backend.realtime.topics import service_subscriptions

        self.playlist_id, self.limit, self.token = playlist_id, limit, token
        self.http = httpx.Client(base_url=api_url, timeout=60)
        self.messages: queue.Queue[float] = queue.Queue()
        self.results: queue.Queue[tuple[float, float, list[str]]] = queue.Queue()  # (message at, held at, order)
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex[:8]}")
        self.client.username_pw_set("lumi-service", env["LUMI_REALTIME_SERVICE_SECRET"])
        self.client.on_connect = lambda *_: self.connected.set()
        self.client.on_message = self._on_message
        self.subscriptions = service_subscriptions(env["LUMI_STAGE"])
        self.port = int(env["LUMI_MQTT_URL"].rsplit(":", 1)[1])
        self.stopping = False
        self.worker = threading.Thread(target=self._refetch, daemon=True)

    def start(self) -> Listener:
        self.client.connect("127.0.0.1", self.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(10):
            raise RuntimeError("the broker did not accept the service principal")
        for topic_filter in self.subscriptions:
            self.client.subscribe(topic_filter, qos=1)
        self.worker.start()
        return self

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        arrived = time.perf_counter()
        try:
            body = json.loads(message.payload)
        except ValueError:
            return
        if body.get("type") == "playlist_changed" and body.get("playlist_id") == self.playlist_id:
            self.messages.put(arrived)

    def _refetch(self) -> None:
        while not self.stopping:
            try:
                arrived = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            response = self.http.get(
                f"/music/playlists/{self.playlist_id}/entries",
                params={"limit": str(self.limit)},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            response.raise_for_status()
            order = [entry["entry_id"] for entry in response.json()["items"]]
            self.results.put((arrived, time.perf_counter(), order))

    def drain(self) -> None:
        """Forget what came before (the adds' messages)."""
        time.sleep(0.5)  # let the last messages of the set-up arrive and be refetched
        for box in (self.messages, self.results):
            while not box.empty():
                box.get_nowait()

    def wait_for(self, order: list[str], timeout: float = 15.0) -> tuple[float, float]:
        """(message arrival, time Ben held ``order``), skipping refetches of older orders."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError("Ben never saw the new order")
            arrived, held, seen = self.results.get(timeout=left)
            if seen == order:
                return arrived, held

    def stop(self) -> None:
        self.stopping = True
        self.client.disconnect()
        self.client.loop_stop()
        self.worker.join(5)
        self.http.close()


# ---------------------------------------------------------------- set-up


def shared_playlist(client: Client, a: dict[str, Any], count: int, rng: random.Random) -> tuple[str, list[str]]:
    """Ana's playlist shared with Ben, holding ``count`` of her songs (written straight to the
    table, then added through the API, 100 a call); its id and its entries in order."""
    from backend.store import music
    from backend.store.affirmations import put_many

    token = a["tokens"]["access_token"]
    songs = library_songs(a["profile"]["user_id"], count, rng)
    put_many([music.song_item(song) for song in songs])
    playlist = client.call("POST", "/music/playlists", token, json={"name": "Bench mix", "shared": True}).json()
    playlist_id = playlist["playlist_id"]
    for start in range(0, count, 100):
        ids = [song.song_id for song in songs[start : start + 100]]
        client.call("POST", f"/music/playlists/{playlist_id}/entries", token, json={"song_ids": ids})
    order = entries(client, token, playlist_id, count)
    if len(order) != count:
        raise RuntimeError(f"the playlist holds {len(order)} entries, not {count}")
    return playlist_id, order


def entries(client: Client, token: str, playlist_id: str, limit: int) -> list[str]:
    body = client.call("GET", f"/music/playlists/{playlist_id}/entries", token, params={"limit": str(limit)}).json()
    return [entry["entry_id"] for entry in body["items"]]


# ---------------------------------------------------------------- part 1: reorder → partner


def bench_reorder(
    client: Client, stack: Any, a: dict[str, Any], b: dict[str, Any], args: argparse.Namespace, rng: random.Random
) -> tuple[str, list[str]]:
    token = a["tokens"]["access_token"]
    started = time.perf_counter()
    playlist_id, order = shared_playlist(client, a, args.entries, rng)
    if stack.stream_poller is not None:
        stack.stream_poller.drain(timeout=300)
    print(f"  a shared playlist of {len(order)} entries made in {time.perf_counter() - started:.1f} s")
    env = stack.env()
    listener = Listener(env, env["LUMI_API_URL"], b["tokens"]["access_token"], playlist_id, args.entries).start()
    try:
        listener.drain()
        request_ms, message_ms, refetch_ms, total_ms = [], [], [], []
        for _ in range(args.moves):
            entry_id, after = pick_move(order, rng)
            expected = moved(order, entry_id, after)
            sent = time.perf_counter()
            client.call(
                "PATCH", f"/music/playlists/{playlist_id}/entries/{entry_id}", token, json={"after_entry_id": after}
            )
            answered = time.perf_counter()
            arrived, held = listener.wait_for(expected)
            request_ms.append((answered - sent) * 1000)
            message_ms.append((arrived - sent) * 1000)
            refetch_ms.append((held - arrived) * 1000)
            total_ms.append((held - sent) * 1000)
            order = expected
        listener.drain()
    finally:
        listener.stop()
    final = entries(client, token, playlist_id, args.entries)
    if final != order:
        raise RuntimeError("the playlist's order is not the one the moves made")
    print(f"  Ana's PATCH …/entries/{{id}} (sent → answered)        {summary(request_ms)}")
    print(f"  playlist_changed heard by Ben (sent → message)       {summary(message_ms)}")
    print(f"  Ben's refetch of the {args.entries} entries (message → held)  {summary(refetch_ms)}")
    print(f"  reorder to the partner, in all (sent → Ben holds it)  {summary(total_ms)}")
    return playlist_id, order


# ---------------------------------------------------------------- part 2: DynamoDB calls


def record_plays(client: Client, token: str, song_ids: list[str], count: int, rng: random.Random) -> int:
    now = datetime.now(UTC)
    counted = 0
    for _ in range(count):
        started_at = now - timedelta(seconds=rng.randrange(60 * 60, 13 * 24 * 3600))
        report = {
            "play_id": uuid.uuid4().hex,
            "song_id": rng.choice(song_ids),
            "started_at": started_at.isoformat(),
            "listened_seconds": 240,
        }
        counted += bool(client.call("POST", "/music/plays", token, json=report).json()["counted"])
    return counted


def bench_calls(
    client: Client,
    stack: Any,
    counter: CallCounter,
    a: dict[str, Any],
    playlist_id: str,
    order: list[str],
    args: argparse.Namespace,
    rng: random.Random,
) -> None:
    token = a["tokens"]["access_token"]
    song_ids = list(
        dict.fromkeys(
            e["song_id"]
            for e in client.call(
                "GET", f"/music/playlists/{playlist_id}/entries", token, params={"limit": str(args.entries)}
            ).json()["items"]
        )
    )
    dynamo = DynamoTime()
    dynamo.install()

    def measure(label: str, call: Callable[[], Any]) -> None:
        calls, times, inside = [], [], []
        for _ in range(args.repeats):
            counter.take()
            dynamo.take()
            began = time.perf_counter()
            call()
            times.append((time.perf_counter() - began) * 1000)
            inside.append(dynamo.take() * 1000)
            calls.append(counter.take()["dynamodb"])
        shown = f"{min(calls)}" if min(calls) == max(calls) else f"{min(calls)}–{max(calls)}"
        print(
            f"  {label:<44} DynamoDB calls {shown:>5}   {summary(times)}"
            f"   in DynamoDB p50 {statistics.median(inside):7.2f} ms"
        )

    if stack.stream_poller is not None:
        stack.stream_poller.stop()  # drained by hand from here on: only the requests' own calls are counted
    recorded_so_far = 0
    for batch in (args.plays // 10, args.plays - args.plays // 10):
        started = time.perf_counter()
        counted = record_plays(client, token, song_ids, batch, rng)
        recorded = time.perf_counter() - started
        if stack.stream_poller is not None:
            stack.stream_poller.drain(timeout=900)
        recorded_so_far += counted
        print(
            f"  {counted} more plays of {len(song_ids)} songs recorded through the API in {recorded:.1f} s,"
            f" counted by the stream in {time.perf_counter() - started - recorded:.1f} s:"
            f" {recorded_so_far} plays in all"
        )
        for period in PERIODS:
            measure(
                f"GET /music/stats?period={period}",
                lambda period=period: client.call("GET", "/music/stats", token, params={"period": period}),
            )
        for days in (30, 366):
            measure(
                f"GET /music/stats/days?days={days}",
                lambda days=days: client.call("GET", "/music/stats/days", token, params={"days": str(days)}),
            )
    total = client.call("GET", "/music/stats", token, params={"period": "all"}).json()
    print(f"  stats for 'all' say {total['plays']} plays, {total['seconds']} s")
    for limit in (100, args.entries):
        measure(
            f"GET …/entries?limit={limit} ({args.entries} entries)",
            lambda limit=limit: client.call(
                "GET", f"/music/playlists/{playlist_id}/entries", token, params={"limit": str(limit)}
            ),
        )
    measure(
        "GET /music/playlists/{id} (mosaic)",
        lambda: client.call("GET", f"/music/playlists/{playlist_id}", token),
    )
    state = {"order": order}

    def one_move() -> None:
        entry_id, after = pick_move(state["order"], rng)
        client.call(
            "PATCH", f"/music/playlists/{playlist_id}/entries/{entry_id}", token, json={"after_entry_id": after}
        )
        state["order"] = moved(state["order"], entry_id, after)

    measure("PATCH …/entries/{id} (a move)", one_move)


# ---------------------------------------------------------------- main


@contextmanager
def local_stack() -> Iterator[Any]:
    """The local stack with the MQTT broker and the pollers (no app, no Reflex backend)."""
    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.stack import LocalStack

    stack = LocalStack(stage="benchplaylists", with_mqtt=True, with_pollers=True).start()
    try:
        yield stack
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=200, help="entries of the shared playlist")
    parser.add_argument("--moves", type=int, default=60, help="moves timed in part 1")
    parser.add_argument("--plays", type=int, default=300, help="plays recorded in part 2")
    parser.add_argument("--repeats", type=int, default=20, help="requests per route measured in part 2")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    began = time.perf_counter()
    print(f"Lumi playlists benchmark; {loadavg()} at start", flush=True)
    with local_stack() as stack, httpx.Client(base_url=stack.env()["LUMI_API_URL"], timeout=60) as http:
        client = Client(http)
        counter = CallCounter()
        counter.install()
        a, b = client.person("ana"), client.person("ben")
        client.pair(a, b)
        playlist: dict[str, Any] = {}

        def part1() -> None:
            playlist["id"], playlist["order"] = bench_reorder(client, stack, a, b, args, rng)

        timed_part(
            f"1. Reorder to the partner: {args.moves} moves in a shared playlist of {args.entries} entries",
            part1,
        )
        timed_part(
            f"2. DynamoDB calls per request ({args.plays} plays recorded; {args.repeats} requests each)",
            lambda: bench_calls(client, stack, counter, a, playlist["id"], playlist["order"], args, rng),
        )
    print(f"\nwhole run {time.perf_counter() - began:.0f} s; {loadavg()} at end")


if __name__ == "__main__":
    main()
