"""Moments benchmark: the feed with 1,000 moments, its DynamoDB calls, the signed-URL cache,
uploads to the local S3 and thumbnail time.

Run with ``make bench`` (or ``python -m bench.moments``). It starts the local stack in this
process, so every boto3 call the API handler makes is counted here. Figures are printed,
never asserted: they describe this machine, not a pass mark.

- Feed: ``GET /moments`` through the local HTTP adapter, first pages and deeper pages (with
  the opaque ``next`` token) of a couple with 1,000 moments, each with a video and a
  thumbnail to sign. The moments are written straight to the table in the stored shape
  (making 1,000 real videos would measure ffmpeg, not the feed).
- Signed-URL cache: the hit ratio over repeated loads of the same feed pages, from the
  Redis counters every API process shares (``backend.media.urls.cache_stats``).
- Upload throughput: presigned POSTs of large files from this process to the local S3.
- Video checks: the media job's step for a new video (ffmpeg's probe, the thumbnail, the
  conditional write that makes it ready), for real generated videos (WebM/VP8 and
  MP4/H.264), timed one by one; and the API's create, which no longer runs ffmpeg.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.api import CallCounter, percentile, register_body


def summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.2f} ms   p95 {percentile(values, 0.95):7.2f} ms   (n={len(values)})"


class Client:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def person(self, name: str) -> dict:
        response = self.http.post("/auth/register", json=register_body(name))
        response.raise_for_status()
        return response.json()

    def call(self, method: str, path: str, token: str, **kwargs) -> httpx.Response:
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.is_error:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response


def pair(client: Client) -> tuple[dict, dict, str]:
    a, b = client.person("ana"), client.person("ben")
    token_a, token_b = a["tokens"]["access_token"], b["tokens"]["access_token"]
    request = client.call("POST", "/relationships/requests", token_a, json={"to": b["profile"]["username"]}).json()
    relationship = client.call("POST", f"/relationships/requests/{request['request_id']}/accept", token_b).json()
    return a, b, relationship["relationship_id"]


def write_moments(relationship_id: str, owners: tuple[str, str], count: int) -> None:
    """``count`` moments in the stored shape, one every minute, alternating owners, with tags."""
    from backend.media import paths
    from backend.store import moments, table

    start = datetime.now(UTC) - timedelta(minutes=count)
    for index in range(count):
        created = start + timedelta(minutes=index)
        moment_id = moments.new_moment_id(created.timestamp())
        record = moments.MomentRecord(
            relationship_id=relationship_id,
            moment_id=moment_id,
            owner_id=owners[index % 2],
            title=f"Moment {index}",
            description="A bench moment.",
            tags=(moments.TagRef("bench", "bench"),),
            content_type="video/webm",
            size=250_000,
            duration_seconds=3.0,
            created_at=created,
            video_key=paths.moment_video_key(relationship_id, moment_id),
            thumbnail_key=paths.moment_thumbnail_key(relationship_id, moment_id),
            width=640,
            height=360,
        )
        table.put(moments.moment_item(record))


def bench_feed(client: Client, token: str, counter: CallCounter, pages: int, repeats: int) -> None:
    from backend.media import urls

    first: list[float] = []
    deeper: list[float] = []
    calls: list[int] = []
    urls.reset_cache_stats()
    for round_ in range(repeats):
        next_token = None
        for page in range(pages):
            params = {"limit": "12"} | ({"next": next_token} if next_token else {})
            counter.take()
            started = time.perf_counter()
            body = client.call("GET", "/moments", token, params=params).json()
            elapsed = (time.perf_counter() - started) * 1000
            calls.append(counter.take()["dynamodb"])
            (first if page == 0 else deeper).append(elapsed)
            next_token = body["next"]
        if round_ == 0:
            cold = urls.cache_stats()
    warm = urls.cache_stats()
    print("Feed of a couple with the moments above, 12 per page, through the local adapter")
    print(f"  first page         {summary(first)}")
    print(f"  pages 2..{pages:<3}        {summary(deeper)}")
    print(f"  DynamoDB calls per feed page: mean {statistics.mean(calls):.1f}, max {max(calls)}")
    print(
        f"  signed-URL cache: first pass {cold.hits}/{cold.lookups} hits; "
        f"after {repeats} passes {warm.hits}/{warm.lookups} = {warm.hit_ratio:.1%} hit ratio"
    )


def bench_uploads(client: Client, token: str, megabytes: int, runs: int) -> None:
    rates: list[float] = []
    with tempfile.TemporaryDirectory(prefix="lumi-bench-") as directory:
        path = Path(directory) / "upload.webm"
        path.write_bytes(os.urandom(megabytes * 1024 * 1024))
        size = path.stat().st_size
        for _ in range(runs):
            ticket = client.call(
                "POST", "/moments/uploads", token, json={"content_type": "video/webm", "size": size}
            ).json()
            with path.open("rb") as file:
                started = time.perf_counter()
                response = httpx.post(
                    ticket["url"],
                    data=ticket["fields"],
                    files={"file": ("upload.webm", file, "video/webm")},
                    timeout=300,
                )
                elapsed = time.perf_counter() - started
            response.raise_for_status()
            rates.append(size / (1024 * 1024) / elapsed)
    print(f"Upload to the local S3 (presigned POST, {megabytes} MB, {runs} runs)")
    print(f"  median {statistics.median(rates):.1f} MB/s   slowest {min(rates):.1f} MB/s")


def bench_thumbnails(client: Client, token: str, relationship_id: str, runs: int) -> None:
    from backend.jobs import media as media_job
    from tests.media import make_video

    timings: dict[str, list[float]] = {"webm": [], "mp4": []}
    creates: list[float] = []
    with tempfile.TemporaryDirectory(prefix="lumi-bench-") as directory:
        for fmt in timings:
            video = make_video(Path(directory) / f"clip.{fmt}", seconds=5, fmt=fmt, size="1280x720")
            content_type = f"video/{fmt}"
            for index in range(runs):
                ticket = client.call(
                    "POST", "/moments/uploads", token, json={"content_type": content_type, "size": video.stat().st_size}
                ).json()
                with video.open("rb") as file:
                    httpx.post(
                        ticket["url"],
                        data=ticket["fields"],
                        files={"file": (video.name, file, content_type)},
                        timeout=60,
                    ).raise_for_status()
                started = time.perf_counter()
                client.call(
                    "POST", "/moments", token, json={"moment_id": ticket["moment_id"], "title": f"Clip {fmt} {index}"}
                )
                creates.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                outcome = media_job.check_video(relationship_id, ticket["moment_id"])
                timings[fmt].append((time.perf_counter() - started) * 1000)
                if outcome != "ready":
                    raise RuntimeError(f"the media job said {outcome!r} for a good video")
    print(f"API create (size and magic bytes only, no ffmpeg)  {summary(creates)}")
    print(f"Media job per video (5 s, 1280x720; probe → thumbnail → S3 → table), {runs} runs each")
    for fmt, values in timings.items():
        print(f"  {fmt:<5} {summary(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moments", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=10, help="feed pages read per pass")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the same pages")
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--uploads", type=int, default=3)
    parser.add_argument("--thumbnails", type=int, default=3)
    args = parser.parse_args()

    os.environ["LUMI_RATE_LIMITS_ENABLED"] = "false"
    from backend.local.stack import LocalStack

    stack = LocalStack(with_mqtt=False, with_pollers=False).start()
    counter = CallCounter()
    counter.install()
    http = httpx.Client(base_url=stack.env()["LUMI_API_URL"], timeout=60)
    client = Client(http)
    try:
        a, b, relationship_id = pair(client)
        token = a["tokens"]["access_token"]
        started = time.perf_counter()
        write_moments(relationship_id, (a["profile"]["user_id"], b["profile"]["user_id"]), args.moments)
        print(f"\n{args.moments} moments written in {time.perf_counter() - started:.1f} s\n")
        bench_feed(client, token, counter, args.pages, args.repeats)
        print()
        bench_uploads(client, token, args.upload_mb, args.uploads)
        print()
        bench_thumbnails(client, token, relationship_id, args.thumbnails)
    finally:
        http.close()
        stack.stop()


if __name__ == "__main__":
    main()
