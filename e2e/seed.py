"""Put data in place for an e2e test through the system's own store, when producing it through the
app would take minutes (say, more notifications than one page holds, with nudges limited to a
few a minute, or more moments than the feed shows at once).

The store is the one the running stack uses: :func:`add_notifications` runs this module in a
child process with the stack's settings (``python -m e2e.seed``), so the test process never
points ``backend`` at the stack's emulators itself.

Only the suite's own system has a store to reach: against a deployment (``--base-url``) a test
that needs ``lumi`` for this is skipped. Tests reach moments through the ``add_moments`` fixture
instead, which shares them through the app there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from backend.contracts import AuthSession, LoginRequest
from e2e.people import Person
from tools.app_build import ROOT
from tools.system import LumiSystem


def user_id_of(lumi: LumiSystem, person: Person) -> str:
    """``person``'s id, as the API tells them when they log in."""
    login = LoginRequest(login=person.username, password=person.password)
    response = httpx.post(f"{lumi.stack_env['LUMI_API_URL']}/auth/login", json=login.model_dump(), timeout=30)
    response.raise_for_status()
    return AuthSession.model_validate(response.json()).profile.user_id


def add_notifications(lumi: LumiSystem, person: Person, titles: list[str]) -> None:
    """Store a "reminders" notification for ``person`` per title, a minute apart, the last one newest.

    Stored only: nothing is delivered, as for notifications that came while they were away."""
    command = [sys.executable, "-m", "e2e.seed", "notifications", user_id_of(lumi, person), *titles]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=60)


def _store_notifications(recipient_id: str, titles: list[str]) -> None:
    from backend.domain.models import Notification
    from backend.store import notifications as store

    start = datetime.now(UTC) - timedelta(minutes=len(titles) + 1)
    for index, title in enumerate(titles):
        notification_id, created_at = store.new_notification_id(start + timedelta(minutes=index))
        store.add(
            Notification(
                notification_id=notification_id,
                recipient_id=recipient_id,
                category="reminders",
                kind="e2e_reminder",
                title=title,
                body="",
                link="/home",
                created_at=created_at,
            )
        )


def add_moments(lumi: LumiSystem, owner: Person, titles: list[str], *, days_ago: list[int] | None = None) -> None:
    """Store a moment of ``owner``'s couple per title, a minute apart, the last one newest (a minute
    ago); ``days_ago`` moves each that many days further back (non-increasing: the last is newest).

    They share one real video and thumbnail (uploaded once), as if shared earlier and
    already through the stream; nothing is announced live."""
    command = [sys.executable, "-m", "e2e.seed", "moments", user_id_of(lumi, owner), *titles]
    if days_ago:
        command += ["--days-ago", ",".join(str(days) for days in days_ago)]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)


def _store_moments(owner_id: str, titles: list[str], days_ago: list[int] | None = None) -> None:
    from backend.media import objects, paths, video
    from backend.store import moments, table, users
    from tests.media import make_video

    relationship_id = users.require(owner_id).relationship_id
    if relationship_id is None:
        raise SystemExit(f"{owner_id} has no partner: moments need a couple")
    clip = make_video(seconds=2, fmt="webm")
    shared_id = moments.new_moment_id()
    video_key = paths.moment_video_key(relationship_id, shared_id)
    thumbnail_key = paths.moment_thumbnail_key(relationship_id, shared_id)
    objects.put_bytes(video_key, clip.read_bytes(), "video/webm")
    source = objects.signed_get(video_key, 300)
    objects.put_bytes(thumbnail_key, video.thumbnail(source, "webm", 0.5, 320), "image/jpeg")
    now = datetime.now(UTC)
    back = days_ago or [0] * len(titles)
    for index, title in enumerate(titles):
        created_at = now - timedelta(days=back[index], minutes=len(titles) - index)
        record = moments.MomentRecord(
            relationship_id=relationship_id,
            moment_id=moments.new_moment_id(created_at.timestamp()),
            owner_id=owner_id,
            title=title,
            description="",
            tags=(),
            content_type="video/webm",
            size=clip.stat().st_size,
            duration_seconds=2.0,
            created_at=created_at,
            video_key=video_key,
            thumbnail_key=thumbnail_key,
            width=320,
            height=240,
        )
        # Marked as announced: the partner is not sent a notification per stored moment.
        table.put(moments.moment_item(record) | {moments.NOTIFIED: created_at.isoformat()})


@contextmanager
def media_jobs_held(lumi: LumiSystem, seconds: int) -> Iterator[None]:
    """New media jobs wait ``seconds`` in their queue (its ``DelaySeconds``) while this is open, so
    a test sees a moment "processing" for that long before the job makes it ready; put back after."""
    _set_media_delay(lumi, seconds)
    try:
        yield
    finally:
        _set_media_delay(lumi, 0)


def _set_media_delay(lumi: LumiSystem, seconds: int) -> None:
    command = [sys.executable, "-m", "e2e.seed", "media-delay", str(int(seconds))]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=60)


def _store_media_delay(seconds: int) -> None:
    from backend.aws import client
    from backend.settings import get_settings

    queue_url = get_settings().queue_url_media
    if not queue_url:
        raise SystemExit("the stack has no media queue")
    client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"DelaySeconds": str(seconds)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("media-delay").add_argument("seconds", type=int)
    for name in ("notifications", "moments"):
        command = commands.add_parser(name)
        command.add_argument("user_id")
        command.add_argument("titles", nargs="+")
        if name == "moments":
            command.add_argument("--days-ago", default="", help="comma-separated, one per title")
    args = parser.parse_args()
    if args.command == "media-delay":
        _store_media_delay(args.seconds)
    elif args.command == "notifications":
        _store_notifications(args.user_id, args.titles)
    else:
        days_ago = [int(days) for days in args.days_ago.split(",")] if args.days_ago else None
        _store_moments(args.user_id, args.titles, days_ago)


if __name__ == "__main__":
    main()
