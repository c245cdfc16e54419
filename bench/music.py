"""Music benchmark: first audio, seeking, upload → playable, the library at 10,000 songs, and
the gap between songs in Chromium.

Run it alone (it starts the local system itself)::

    flock /tmp/lumi-bench.lock env PYTHONPATH=$PWD .venv/bin/python -m bench.music --parts 1,2,3,4

Parts 1-4 start the local stack in this process (moto, Redis, the API behind the local adapter,
the stream and queue pollers; no MQTT broker), so every boto3 call the API makes is counted
here. Part 5 starts the whole system (stack, Reflex backend :8370, app :3370) and drives
Debian's Chromium. Everything binds 127.0.0.1. Figures are printed, never asserted: they
describe this machine, not a pass mark (the issue's targets are printed beside them).

1. First audio (target p95 ≤ 300 ms): for ``--songs`` ready songs, from asking the API for the
   song (``GET /music/songs/{id}``: its signed rendition URL) to the first 64 KiB of the
   rendition (``Range: bytes=0-65535`` answering 206), split into API and storage. One real
   song goes through the music job; its rendition is copied to each bench song's own key and
   the songs are written in the stored shape (``store.music.song_item``), so every song has its
   own object and signed URL. First play (cold URL cache) and a second play.
2. Seek (target p95 ≤ 150 ms): 64 KiB Range requests at random offsets in the middle and at
   the end of those renditions; each must answer 206 with the right ``Content-Range``.
3. Upload → playable for a 5-minute stereo song (MP3 and FLAC, made with ffmpeg and tagged with
   mutagen by ``backend.local.demo_music``): ticket, presigned POST, confirm, then the stack's
   queue poller runs the music job until ``GET /music/songs/{id}`` says ready; the job's own
   share is timed around ``jobs.music.process_song``; the rendition's size beside the original.
4. The library at ``--library`` songs: one person's songs written straight to the table with
   ``store.music.song_item`` in BatchWriteItem calls of 25 (this bypasses the music job, and
   the stream poller is stopped first, so no album/artist summaries are built: this part times
   ``GET /music/songs`` only), plus ``--shared`` songs of the partner shared with them; then the
   first page and a page halfway down in each of the four orders, and ``filter=shared``;
   DynamoDB calls per page (a botocore hook on the API's clients).
5. In Chromium (needs the player: ``window.lumiPlayer`` with ``stats = {gaps_ms, first_audio_ms,
   seek_ms}`` and ``state()``): a person signs in, queues three short songs, plays them through;
   the player's own figures are read. Without ``window.lumiPlayer`` it stops with an error.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.api import CallCounter, percentile, register_body

CHUNK = 65536  # bytes asked for by each Range request (what a browser's first request roughly gets)
FIRST_AUDIO_TARGET_MS = 300
SEEK_TARGET_MS = 150
SORTS = ("added", "title", "artist", "album")
CONTENT_TYPES = {"mp3": "audio/mpeg", "flac": "audio/flac"}


# ---------------------------------------------------------------- pure helpers


def summary(values: list[float], unit: str = "ms") -> str:
    """``p50 … p95 … (n=…)`` of a non-empty list (nearest-rank p95, as every bench)."""
    return (
        f"p50 {statistics.median(values):8.2f} {unit}   p95 {percentile(values, 0.95):8.2f} {unit}   (n={len(values)})"
    )


def range_header(start: int, size: int, chunk: int = CHUNK) -> tuple[str, str]:
    """The ``Range`` to send for ``chunk`` bytes from ``start`` of an object of ``size`` bytes, and
    the ``Content-Range`` a 206 must answer (the range is cut at the object's end)."""
    if not 0 <= start < size:
        raise ValueError(f"offset {start} outside an object of {size} bytes")
    end = min(start + chunk, size) - 1
    return f"bytes={start}-{end}", f"bytes {start}-{end}/{size}"


def total_size(content_range: str) -> int:
    """The object's size from a ``Content-Range`` such as ``bytes 0-65535/1234567``."""
    match = re.fullmatch(r"bytes \d+-\d+/(\d+)", content_range.strip())
    if not match:
        raise ValueError(f"not a Content-Range of a satisfied range: {content_range!r}")
    return int(match.group(1))


def seek_offsets(size: int, count: int, rng: random.Random, chunk: int = CHUNK) -> list[tuple[str, int]]:
    """``count`` seek targets in an object of ``size`` bytes, alternating ("middle", offset in the
    middle 60%) and ("end", offset in the last chunk-and-a-half, so some ranges are cut short)."""
    out: list[tuple[str, int]] = []
    for index in range(count):
        if index % 2 == 0:
            out.append(("middle", rng.randrange(int(size * 0.2), max(int(size * 0.8), int(size * 0.2) + 1))))
        else:
            out.append(("end", rng.randrange(max(0, size - chunk - chunk // 2), size)))
    return out


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min), {os.cpu_count()} cores"


# ---------------------------------------------------------------- the API as one person


class Client:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def person(self, name: str) -> dict[str, Any]:
        response = self.http.post("/auth/register", json=register_body(name))
        response.raise_for_status()
        return response.json()

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.is_error:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response

    def pair(self, a: dict[str, Any], b: dict[str, Any]) -> str:
        token_a, token_b = a["tokens"]["access_token"], b["tokens"]["access_token"]
        request = self.call("POST", "/relationships/requests", token_a, json={"to": b["profile"]["username"]}).json()
        accepted = self.call("POST", f"/relationships/requests/{request['request_id']}/accept", token_b).json()
        return accepted["relationship_id"]

    def upload(self, token: str, path: Path, content_type: str) -> str:
        """Ticket, presigned POST, confirm: the song's id (processing until the job is done)."""
        ticket = self.call(
            "POST",
            "/music/uploads",
            token,
            json={"content_type": content_type, "size": path.stat().st_size, "file_name": path.name},
        ).json()
        with path.open("rb") as file:
            posted = httpx.post(
                ticket["url"], data=ticket["fields"], files={"file": (path.name, file, content_type)}, timeout=300
            )
        posted.raise_for_status()
        self.call("POST", "/music/songs", token, json={"song_id": ticket["song_id"]})
        return ticket["song_id"]

    def wait_ready(self, token: str, song_id: str, timeout: float = 600) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            song = self.call("GET", f"/music/songs/{song_id}", token).json()
            if song["status"] == "ready":
                return song
            if song["status"] == "refused":
                raise RuntimeError(f"song {song_id} was refused: {song.get('refused_reason')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"song {song_id} still processing after {timeout:.0f}s (is the music poller up?)")
            time.sleep(0.05)


def make_song(directory: Path, name: str, seconds: int, fmt: str) -> Path:
    """A tagged stereo song of ``seconds`` made by the demo seed's own maker."""
    from backend.local.demo_music import DemoSong, _chord, make_demo_song

    notes = {"mp3": (261.63, 329.63, 392.0), "flac": (220.0, 277.18, 329.63)}[fmt]
    song = DemoSong(name, "Bench Band", "Bench Album", 1, 2026, "Bench", _chord(*notes, seconds=seconds), fmt, 0)
    return make_demo_song(directory, seconds, song)


# ---------------------------------------------------------------- parts 1 and 2: first audio, seek


def ready_songs(client: Client, person: dict[str, Any], count: int, seconds: int) -> list[str]:
    """``count`` ready songs of ``person``: one through the job, the others its copies (own keys)."""
    from backend.aws import client as aws
    from backend.media import paths
    from backend.settings import get_settings
    from backend.store import music, table

    token, owner = person["tokens"]["access_token"], person["profile"]["user_id"]
    with tempfile.TemporaryDirectory(prefix="lumi-bench-music-") as directory:
        path = make_song(Path(directory), "First Audio", seconds, "mp3")
        started = time.perf_counter()
        song_id = client.upload(token, path, "audio/mpeg")
        client.wait_ready(token, song_id)
    print(f"  one {seconds} s MP3 uploaded and made ready by the job in {time.perf_counter() - started:.1f} s")
    record = music.get(owner, song_id)
    assert record is not None and record.rendition_key
    bucket = get_settings().media_bucket
    s3 = aws("s3")
    ids = [song_id]
    for index in range(count - 1):
        new_id = music.new_song_id()
        key = paths.song_rendition_key(owner, new_id)
        s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": record.rendition_key})
        copy = dataclasses.replace(
            record,
            song_id=new_id,
            title=f"First Audio {index + 1}",
            rendition_key=key,
            content_hash=None,
            cover_key=None,
        )
        table.put(music.song_item(copy))
        ids.append(new_id)
    return ids


def bench_first_audio(client: Client, storage: httpx.Client, token: str, song_ids: list[str]) -> list[str]:
    """Part 1; returns each song's stream URL (part 2 seeks in them)."""
    from backend.media import urls

    range_, expected_start = f"bytes=0-{CHUNK - 1}", f"bytes 0-{CHUNK - 1}/"
    stream_urls: list[str] = []
    urls.forget_all()  # the first song's URL was signed while waiting for it to be ready
    for name in ("first play (signed-URL cache cold)", "second play (cache warm)"):
        api_ms, storage_ms, total_ms = [], [], []
        stream_urls = []
        for song_id in song_ids:
            started = time.perf_counter()
            song = client.call("GET", f"/music/songs/{song_id}", token).json()
            asked = time.perf_counter()
            response = storage.get(song["stream_url"], headers={"Range": range_})
            done = time.perf_counter()
            if response.status_code != 206 or not response.headers.get("content-range", "").startswith(expected_start):
                raise RuntimeError(
                    f"the rendition of {song_id} answered {response.status_code}"
                    f" {response.headers.get('content-range')}"
                )
            if len(response.content) != CHUNK:
                raise RuntimeError(f"the rendition of {song_id} gave {len(response.content)} bytes, not {CHUNK}")
            api_ms.append((asked - started) * 1000)
            storage_ms.append((done - asked) * 1000)
            total_ms.append((done - started) * 1000)
            stream_urls.append(song["stream_url"])
        print(f"  {name}")
        print(f"    API GET /music/songs/{{id}}     {summary(api_ms)}")
        print(f"    storage Range 0-65535 (206)    {summary(storage_ms)}")
        print(f"    first audio bytes, in all      {summary(total_ms)}   target p95 ≤ {FIRST_AUDIO_TARGET_MS} ms")
    return stream_urls


def bench_seek(storage: httpx.Client, stream_urls: list[str], seeks: int, rng: random.Random) -> None:
    sizes = []
    for url in stream_urls[:1]:
        head = storage.get(url, headers={"Range": "bytes=0-0"})
        sizes.append(total_size(head.headers["content-range"]))
    size = sizes[0]
    timings: dict[str, list[float]] = {"middle": [], "end": []}
    per_url = max(1, seeks // len(stream_urls))
    for url in stream_urls:
        for where, offset in seek_offsets(size, per_url, rng):
            range_, expected = range_header(offset, size)
            started = time.perf_counter()
            response = storage.get(url, headers={"Range": range_})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 206 or response.headers.get("content-range") != expected:
                raise RuntimeError(
                    f"seek {range_} answered {response.status_code} {response.headers.get('content-range')},"
                    f" not 206 {expected}"
                )
            timings[where].append(elapsed)
    every = timings["middle"] + timings["end"]
    print(f"  renditions of {size / 1e6:.2f} MB; 64 KiB ranges; every answer 206 with the right Content-Range")
    print(f"    middle (20-80%)   {summary(timings['middle'])}")
    print(f"    end (last 96 KiB) {summary(timings['end'])}")
    print(f"    all seeks         {summary(every)}   target p95 ≤ {SEEK_TARGET_MS} ms")


# ---------------------------------------------------------------- part 3: upload → playable


class JobTimer:
    """Times ``backend.jobs.music.process_song`` (what the music job does for one song)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        from backend.jobs import music as job

        original = job.process_song

        def timed(owner_id: str, song_id: str) -> str:
            started = time.perf_counter()
            try:
                return original(owner_id, song_id)
            finally:
                with self._lock:
                    self.seconds[song_id] = time.perf_counter() - started

        job.process_song = timed  # type: ignore[assignment]


def bench_upload(client: Client, storage: httpx.Client, token: str, timer: JobTimer, seconds: int) -> None:
    print(f"  {'source':<6} {'original':>10} {'rendition':>10} {'ratio':>6}  {'upload':>7} {'→ ready':>8} "
          f"{'in all':>7}  {'job':>6} (share)")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="lumi-bench-music-") as directory:
        for fmt in ("mp3", "flac"):
            made = time.perf_counter()
            path = make_song(Path(directory), f"Five Minutes {fmt.upper()}", seconds, fmt)
            making = time.perf_counter() - made
            started = time.perf_counter()
            song_id = client.upload(token, path, CONTENT_TYPES[fmt])
            confirmed = time.perf_counter()
            song = client.wait_ready(token, song_id)
            ready = time.perf_counter()
            rendition = total_size(
                storage.get(song["stream_url"], headers={"Range": "bytes=0-0"}).headers["content-range"]
            )
            original = path.stat().st_size
            total = ready - started
            job = timer.seconds.get(song_id, float("nan"))
            print(
                f"  {fmt:<6} {original / 1e6:8.2f}MB {rendition / 1e6:8.2f}MB {rendition / original:6.2f}  "
                f"{confirmed - started:6.2f}s {ready - confirmed:7.2f}s {total:6.2f}s  {job:5.2f}s ({job / total:.0%})"
                f"   [making the file with ffmpeg: {making:.1f}s, not counted]"
            )
    print("  upload = ticket + presigned POST + confirm; → ready = confirm to GET saying ready (polled every 50 ms);")
    print("  job = jobs.music.process_song (copy, hash, probe, one ffmpeg decode to AAC/loudness/peaks, tags, write)")


# ---------------------------------------------------------------- part 4: the library at 10,000 songs


class DynamoTime:
    """Seconds spent inside DynamoDB calls (client side: the emulator's share of a request)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._at = threading.local()

    def install(self) -> None:
        from backend.aws import client

        events = client("dynamodb").meta.events
        events.register("before-call", self._before)
        events.register("after-call", self._after)

    def _before(self, **_: object) -> None:
        self._at.started = time.perf_counter()

    def _after(self, **_: object) -> None:
        self.seconds += time.perf_counter() - getattr(self._at, "started", time.perf_counter())

    def take(self) -> float:
        out, self.seconds = self.seconds, 0.0
        return out


WORDS = ("blue", "night", "river", "gold", "summer", "echo", "paper", "heart", "stone", "light", "velvet", "rain")


def library_songs(
    owner: str, count: int, rng: random.Random, visibility: str = "private", step_minutes: int = 1
) -> list[Any]:
    """``count`` ready songs in the stored shape, added ``step_minutes`` apart up to now: albums of
    12 tracks, three albums an artist, random titles."""
    from backend.media import paths
    from backend.store import music

    start = datetime.now(UTC) - timedelta(minutes=count * step_minutes)
    songs = []
    for index in range(count):
        created = start + timedelta(minutes=index * step_minutes, microseconds=rng.randrange(1000))
        song_id = music.new_song_id(created.timestamp())
        album = index // 12
        artist = album // 3
        title = " ".join(rng.choice(WORDS) for _ in range(3)).title()
        songs.append(
            music.SongRecord(
                owner_id=owner,
                song_id=song_id,
                status="ready",
                title=f"{title} {index}",
                content_type="audio/mpeg",
                size=8_000_000,
                created_at=created,
                visibility=visibility,
                artist=f"Artist {artist:04d}",
                album=f"Album {album:04d}",
                track_number=index % 12 + 1,
                year=1970 + album % 50,
                genre=rng.choice(("Pop", "Jazz", "Folk", "Rock")),
                duration_seconds=200.0 + index % 100,
                loudness_lufs=-14.0,
                rendition_key=paths.song_rendition_key(owner, song_id),
                cover_key=paths.song_cover_key(owner, song_id) if index % 12 == 0 else None,
            )
        )
    return songs


def load_library(owner: str, partner: str, relationship_id: str, count: int, shared: int, rng: random.Random) -> int:
    """Writes the library with BatchWriteItem (25 a call); returns the items written."""
    from backend.store import music
    from backend.store.affirmations import put_many

    items = [music.song_item(song) for song in library_songs(owner, count, rng)]
    # The partner's songs were added over the same time (one every count/shared minutes).
    step = max(1, count // max(1, shared))
    for song in library_songs(partner, shared, rng, visibility="partner", step_minutes=step):
        song = dataclasses.replace(song, shared_rel=relationship_id, shared_with=owner)
        items.append(music.song_item(song))
        items.append(music.shared_copy_item(song, owner, relationship_id))
    put_many(items)
    return len(items)


def bench_library(client: Client, token: str, counter: CallCounter, pages: int, repeats: int, count: int) -> None:
    dynamo = DynamoTime()
    dynamo.install()
    in_dynamo: list[float] = []

    def timed(params: dict[str, str]) -> tuple[float, int, dict[str, Any]]:
        counter.take()
        dynamo.take()
        started = time.perf_counter()
        body = client.call("GET", "/music/songs", token, params=params).json()
        elapsed = (time.perf_counter() - started) * 1000
        in_dynamo.append(dynamo.take() * 1000)
        return elapsed, counter.take()["dynamodb"], body

    depth = max(2, count // 50 // 2) if pages <= 0 else pages
    calls: list[int] = []
    print(f"  {'listing (50 a page)':<32} {'first page':<44} {f'page {depth}':<44}")
    for sort in SORTS:
        first = []
        for _ in range(repeats):
            elapsed, n, _ = timed({"sort": sort})
            first.append(elapsed)
            calls.append(n)
        token_at = None
        for _ in range(depth - 1):  # walk down to the deep page (each page a real request)
            elapsed, n, body = timed({"sort": sort} | ({"next": token_at} if token_at else {}))
            calls.append(n)
            token_at = body["next"]
        deep = []
        for _ in range(repeats):
            elapsed, n, body = timed({"sort": sort, "next": token_at})
            deep.append(elapsed)
            calls.append(n)
            if len(body["items"]) != 50:
                raise RuntimeError(f"page {depth} of sort={sort} has {len(body['items'])} songs")
        print(f"  sort={sort:<27} {summary(first):<44} {summary(deep):<44}")
    print(f"  DynamoDB calls per page, every listing above: mean {statistics.mean(calls):.2f}, max {max(calls)}")
    print(f"  of each request, time inside those DynamoDB calls (the emulator): {summary(in_dynamo)}")

    # filter=shared: one Query over the shared copies (newest first), however large the own library.
    first, found, walked, shared_calls = [], 0, 0, []
    for _ in range(repeats):
        elapsed, n, body = timed({"filter": "shared"})
        first.append(elapsed)
        shared_calls.append(n)
        found = len(body["items"])
    token_at, gathered, walk_started = None, 0, time.perf_counter()
    while gathered < 50:
        elapsed, n, body = timed({"filter": "shared"} | ({"next": token_at} if token_at else {}))
        walked += 1
        shared_calls.append(n)
        gathered += len(body["items"])
        token_at = body["next"]
        if not token_at:
            break
    walk_s = time.perf_counter() - walk_started
    print(f"  filter=shared, first page        {summary(first)}   ({found} songs on it)")
    print(
        f"  filter=shared, first 50 shared songs: {walked} pages, {walk_s:.1f} s;"
        f" DynamoDB calls per page: mean {statistics.mean(shared_calls):.2f}, max {max(shared_calls)}"
    )


# ---------------------------------------------------------------- part 5: in Chromium


PLAYER_MISSING = (
    "window.lumiPlayer is missing on the page: part 5 needs the player (assets/lumi-player.js with "
    "window.lumiPlayer.stats = {gaps_ms, first_audio_ms, seek_ms} and window.lumiPlayer.state()); "
    "merge the player branch and build the app again. No figures are printed without it."
)


def run_browser_part(args: argparse.Namespace) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    from bench.realtime import CHROMIUM, CHROMIUM_ARGS, Api, Budget, browser_sign_in, lumi_system
    from lumi_app import routes

    with lumi_system(args, Budget(1800)) as system:
        api_url = system.stack_env["LUMI_API_URL"]
        api = Api(api_url)
        try:
            person = api.register("Ava")
        finally:
            api.close()
        with httpx.Client(base_url=api_url, timeout=60) as http, tempfile.TemporaryDirectory() as directory:
            client = Client(http)
            ids = []
            for index in range(3):
                path = make_song(Path(directory), f"Short {index + 1}", args.short_seconds + index, "mp3")
                ids.append(client.upload(person.token, path, "audio/mpeg"))
            for song_id in ids:
                client.wait_ready(person.token, song_id)
            queued = client.call("POST", "/music/player/queue", person.token, json={"song_ids": ids}).json()
            first_entry = queued["queue"][0]["entry_id"]
            client.call("PUT", "/music/player/state", person.token, json={"current_entry_id": first_entry})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
            )
            context = browser.new_context(base_url=system.app_url, viewport={"width": 1280, "height": 800})
            page = browser_sign_in(context, person)
            page.goto(routes.MUSIC_QUEUE)
            try:
                page.wait_for_function("() => !!window.lumiPlayer", timeout=15_000)
            except PlaywrightError as error:
                raise SystemExit(PLAYER_MISSING) from error
            # the queue page lists the three; pressing the first one's Play starts the player
            queue = page.get_by_role("list", name="Queue")
            play = queue.get_by_role("button", name="Play Short 1", exact=True)
            try:
                expect(play).to_be_visible(timeout=15_000)
            except AssertionError as error:
                raise SystemExit("the queue page did not list the three songs with their Play buttons") from error
            play.click()
            total_seconds = sum(args.short_seconds + i for i in range(3))
            try:
                page.wait_for_function("() => window.lumiPlayer.stats.first_audio_ms.length >= 1", timeout=30_000)
                # One seek in the first song (the player's ArrowRight shortcut), so seek_ms has a sample.
                page.evaluate("() => document.activeElement?.blur()")
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    "() => window.lumiPlayer.stats.gaps_ms.length >= 2", timeout=(total_seconds + 30) * 1000
                )
                # Then more presses of Play (songs already heard: the browser may have them cached)
                # and a seek in each, for medians rather than single samples.
                for round_ in range(args.replays):
                    count = len(page.evaluate("() => window.lumiPlayer.stats.first_audio_ms"))
                    queue.get_by_role("button", name=f"Play Short {round_ % 3 + 1}", exact=True).click()
                    page.wait_for_function(
                        "n => window.lumiPlayer.stats.first_audio_ms.length > n", arg=count, timeout=15_000
                    )
                    seeks = len(page.evaluate("() => window.lumiPlayer.stats.seek_ms"))
                    page.evaluate("() => document.activeElement?.blur()")
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function("n => window.lumiPlayer.stats.seek_ms.length > n", arg=seeks, timeout=15_000)
            except PlaywrightError as error:
                seen = page.evaluate("() => JSON.stringify(window.lumiPlayer.stats ?? null)")
                raise SystemExit(f"the songs did not play as asked (window.lumiPlayer.stats: {seen})") from error
            stats = page.evaluate("() => JSON.parse(JSON.stringify(window.lumiPlayer.stats))")
            state = page.evaluate("() => JSON.parse(JSON.stringify(window.lumiPlayer.state()))")
            browser.close()
    print(f"  player state at the end: {state}")
    for name, key in (("gap between songs", "gaps_ms"), ("first audio", "first_audio_ms"), ("seek", "seek_ms")):
        values = [float(v) for v in stats.get(key) or []]
        print(f"  {name:<20} {summary(values) if values else 'no samples'}")


# ---------------------------------------------------------------- main


@contextmanager
def local_stack() -> Iterator[Any]:
    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.stack import LocalStack

    stack = LocalStack(stage="benchmusic", with_mqtt=False, with_pollers=True).start()
    try:
        yield stack
    finally:
        stack.stop()


def timed_part(title: str, run: Callable[[], None]) -> None:
    print(f"\n{title}   [{loadavg()}]", flush=True)
    started = time.perf_counter()
    run()
    print(f"  ({time.perf_counter() - started:.0f} s, {loadavg()})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="1,2,3,4", help="which parts (default %(default)s; 5 needs the player)")
    parser.add_argument("--songs", type=int, default=30, help="ready songs for parts 1 and 2")
    parser.add_argument("--song-seconds", type=int, default=180, help="length of the part 1/2 songs")
    parser.add_argument("--seeks", type=int, default=120, help="Range requests of part 2")
    parser.add_argument("--upload-seconds", type=int, default=300, help="length of the part 3 songs")
    parser.add_argument("--library", type=int, default=10_000, help="songs of the part 4 library")
    parser.add_argument("--shared", type=int, default=300, help="partner's songs shared with them (part 4)")
    parser.add_argument("--repeats", type=int, default=20, help="requests per listing measured (part 4)")
    parser.add_argument("--depth", type=int, default=0, help="the deep page of part 4 (0: halfway down)")
    parser.add_argument("--short-seconds", type=int, default=8, help="length of the part 5 songs")
    parser.add_argument("--replays", type=int, default=10, help="presses of Play, each with a seek (part 5)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--app-port", type=int, default=3370)
    parser.add_argument("--backend-port", type=int, default=8370)
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    rng = random.Random(args.seed)
    began = time.perf_counter()
    print(f"Lumi music benchmark, parts {sorted(parts)}; {loadavg()} at start", flush=True)

    if parts & {1, 2, 3, 4}:
        timer = JobTimer()
        timer.install()  # before the pollers load the job
        with (
            local_stack() as stack,
            httpx.Client(base_url=stack.env()["LUMI_API_URL"], timeout=60) as http,
            httpx.Client(timeout=60) as storage,
        ):
            client = Client(http)
            counter = CallCounter()
            counter.install()
            a, b = client.person("ana"), client.person("ben")
            relationship_id = client.pair(a, b)
            token = a["tokens"]["access_token"]
            stream_urls: list[str] = []
            if parts & {1, 2}:

                def part1() -> None:
                    nonlocal stream_urls
                    ids = ready_songs(client, a, args.songs, args.song_seconds)
                    if stack.stream_poller is not None:  # the copies' album/artist summaries, before timing
                        stack.stream_poller.drain(timeout=300)
                    stream_urls = bench_first_audio(client, storage, token, ids)

                timed_part(
                    f"1. First audio: GET /music/songs/{{id}} then the rendition's first 64 KiB, {args.songs} songs",
                    part1,
                )
            if 2 in parts:
                timed_part(
                    f"2. Seek: {args.seeks} Range requests of 64 KiB in the renditions (keep-alive connection)",
                    lambda: bench_seek(storage, stream_urls, args.seeks, rng),
                )
            if 3 in parts:
                timed_part(
                    f"3. Upload → playable, a {args.upload_seconds / 60:g}-minute stereo song"
                    " (the stack's pollers run the job)",
                    lambda: bench_upload(client, storage, b["tokens"]["access_token"], timer, args.upload_seconds),
                )
            if 4 in parts:

                def part4() -> None:
                    if stack.stream_poller is not None:
                        stack.stream_poller.stop()  # 10,000 inserts would keep it busy meanwhile
                    started = time.perf_counter()
                    written = load_library(
                        a["profile"]["user_id"],
                        b["profile"]["user_id"],
                        relationship_id,
                        args.library,
                        args.shared,
                        rng,
                    )
                    print(
                        f"  {written} items written with BatchWriteItem (25 a call)"
                        f" in {time.perf_counter() - started:.1f} s"
                        " (bypassing the music job; stream poller stopped: no album/artist summaries)"
                    )
                    bench_library(client, token, counter, args.depth, args.repeats, args.library)

                timed_part(
                    f"4. Library: GET /music/songs with {args.library} songs and {args.shared} shared by the partner",
                    part4,
                )
    if 5 in parts:
        timed_part(
            "5. In Chromium: three short songs played through (the player's own figures)",
            lambda: run_browser_part(args),
        )
    print(f"\nwhole run {time.perf_counter() - began:.0f} s; {loadavg()} at end")


if __name__ == "__main__":
    main()
