"""A moment's states as the API, the stream and the app see them: a video is "processing" until
the media job has probed it, then "ready" (served, with its length) or "failed" (its reason shown,
nothing served). Pure: no sockets (the stream's steps are called with the job queue and the
partner's notification recorded in their place)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend import contracts
from backend.domain import media_jobs
from backend.domain import moments as domain
from backend.store.moments import MomentRecord
from backend.streams import moments as steps
from lumi_app.components.moments import MomentCard
from lumi_app.pages.moments.upload.state import shared_words
from lumi_app.pages.moments.watch.state import MomentView

NOW = datetime(2026, 11, 12, 18, 30, tzinfo=UTC)


def a_moment(
    status: str, *, kind: str = "video", failure_reason: str | None = None, **changes: Any
) -> contracts.Moment:
    return contracts.Moment(
        moment_id="m1",
        owner=contracts.PublicProfile(user_id="ana", username="ana", display_name="Ana"),
        kind=kind,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        failure_reason=failure_reason,
        title="Sunset",
        description="",
        tags=[],
        content_type="video/mp4",
        size=50_000,
        duration_seconds=changes.pop("duration_seconds", 0.0),
        created_at=NOW,
        **changes,
    )


def a_record(status: str, **changes: Any) -> MomentRecord:
    return MomentRecord(
        relationship_id="r1",
        moment_id="m1",
        owner_id="ana",
        title="Sunset",
        description="",
        tags=(),
        content_type="video/mp4",
        size=50_000,
        duration_seconds=3.0,
        created_at=NOW,
        video_key="private/rel/r1/moments/m1/video",
        status=status,
        **changes,
    )


# ---------------------------------------------------------------- what the API serves


@pytest.mark.parametrize(("status", "served"), [("processing", None), ("failed", None), ("ready", "https://v")])
def test_a_video_is_served_only_once_it_is_ready(status: str, served: str | None) -> None:
    signed = {"private/rel/r1/moments/m1/video": "https://v"}
    assert domain._video_url(a_record(status), signed) == served


def test_the_failure_reason_is_part_of_the_contract() -> None:
    failed = a_moment("failed", failure_reason="Videos can be up to 10 minutes long.")
    again = contracts.Moment.model_validate_json(failed.model_dump_json())
    assert again.status == "failed" and again.failure_reason == "Videos can be up to 10 minutes long."
    assert a_moment("ready").failure_reason is None


def test_the_job_messages_say_which_work_they_ask_for() -> None:
    video = media_jobs.VideoJob(relationship_id="r1", moment_id="m1")
    photo = media_jobs.PhotoJob(relationship_id="r1", moment_id="m1")
    assert media_jobs.media_job.validate_json(video.model_dump_json()) == video
    assert media_jobs.media_job.validate_json(photo.model_dump_json()) == photo


# ---------------------------------------------------------------- the stream's decisions


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the stream's steps would queue and whom they would notify (the rest does nothing)."""
    seen: dict[str, list[Any]] = {"jobs": [], "notified": []}
    monkeypatch.setattr(steps.media_jobs, "enqueue", seen["jobs"].append)
    monkeypatch.setattr(steps, "notify_partner", lambda rel, moment_id: seen["notified"].append(moment_id))
    monkeypatch.setattr(steps, "sync_tags", lambda *args: None)
    return seen


def image(status: str, kind: str = "video", **more: Any) -> dict[str, Any]:
    return {"relationship_id": "r1", "moment_id": "m1", "kind": kind, "status": status, "tags": [], **more}


def test_a_processing_video_gets_its_media_job_and_no_notification_yet(recorded: dict[str, list[Any]]) -> None:
    steps.moment_inserted(image("processing"))
    assert recorded["jobs"] == [media_jobs.VideoJob(relationship_id="r1", moment_id="m1")]
    assert recorded["notified"] == []


def test_a_video_that_became_ready_is_announced_and_a_failed_one_is_not(recorded: dict[str, list[Any]]) -> None:
    steps.moment_modified(image("processing"), image("ready", thumbnail_key="t"))
    steps.moment_modified(image("processing"), image("failed"))
    steps.moment_modified(image("ready"), image("ready", title="Renamed"))
    assert recorded["notified"] == ["m1"]
    assert recorded["jobs"] == []


@pytest.mark.parametrize(
    ("inserted", "queued"),
    [
        (image("ready", thumbnail_key="t"), False),  # stored whole (a tool, a snapshot)
        (image("ready"), True),  # stored without its thumbnail: the job makes one
        (image("failed"), False),
    ],
)
def test_which_stored_videos_get_a_job(recorded: dict[str, list[Any]], inserted: dict[str, Any], queued: bool) -> None:
    steps.moment_inserted(inserted)
    assert bool(recorded["jobs"]) is queued


def test_photos_are_unchanged_a_processing_photo_gets_its_job_and_the_partner_is_told(
    recorded: dict[str, list[Any]],
) -> None:
    steps.moment_inserted(image("processing", kind="photo"))
    assert recorded["jobs"] == [media_jobs.PhotoJob(relationship_id="r1", moment_id="m1")]
    assert recorded["notified"] == ["m1"]


# ---------------------------------------------------------------- what the app shows


def test_a_processing_video_card_has_no_length_yet() -> None:
    card = MomentCard.of(a_moment("processing"), "ben")
    assert (card.status, card.duration, card.thumbnail_url, card.failure_reason) == ("processing", "", "", "")


def test_a_ready_video_card_shows_its_length() -> None:
    card = MomentCard.of(a_moment("ready", duration_seconds=7.2, thumbnail_url="https://t"), "ben")
    assert (card.status, card.duration, card.thumbnail_url) == ("ready", "0:07", "https://t")


def test_a_failed_video_says_why_on_its_card_and_its_page() -> None:
    failed = a_moment("failed", failure_reason="This file is not a video we can play.")
    card = MomentCard.of(failed, "ben")
    assert (card.status, card.failure_reason, card.duration) == ("failed", "This file is not a video we can play.", "")
    view = MomentView.of(failed, "ana")
    assert (view.status, view.failure_reason, view.video_url, view.mine) == (
        "failed",
        "This file is not a video we can play.",
        "",
        True,
    )


def test_the_uploader_who_went_elsewhere_hears_the_video_is_processing() -> None:
    assert shared_words("Sunset", "video") == "“Sunset” is shared. Processing your video…"
    assert shared_words("Street", "photo") == "“Street” is shared."


def test_the_api_handler_loads_without_ffmpeg_or_the_media_job() -> None:
    """The API Lambda carries no ffmpeg: importing its handler must not reach for the binary's
    package, nor the job that runs it (a clean interpreter, so other tests' imports do not count)."""
    code = (
        "import sys, backend.api.app\n"
        "print(sorted(m for m in ('imageio_ffmpeg', 'backend.jobs.media') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert found.stdout.strip() == "[]", found.stdout + found.stderr


# ---------------------------------------------------------------- the watch page, live


def _watch_page(**changes: Any) -> Any:
    from types import SimpleNamespace

    page = {"loaded": True, "gone": False, "deleted": False, "moment_id": "m1", "_watching": True}
    return SimpleNamespace(**(page | {"_changed_while_loading": False} | changes))


async def test_a_change_while_the_watch_page_loads_is_read_once_its_fetch_is_done() -> None:
    # A video shared a moment ago: the owner lands on its page while the media job makes it ready.
    # The page's first fetch may have read it "processing"; the "ready" news came before the
    # page had loaded, and was dropped: the page said "Processing…" until a reload.
    from lumi_app.pages.moments.watch.state import _apply_live

    ready = contracts.MomentChangedMessage(moment_id="m1", change="thumbnail_ready")
    loading = _watch_page(loaded=False)
    assert await _apply_live(loading, ready) is None
    assert loading._changed_while_loading, "the change must be kept for when the fetch is done"
    # another moment's change, or a page left, keeps nothing
    for page in (_watch_page(loaded=False, moment_id="m2"), _watch_page(loaded=False, _watching=False)):
        assert await _apply_live(page, ready) is None
        assert not page._changed_while_loading
    # once loaded, a change is fetched at once
    assert await _apply_live(_watch_page(), ready) is not None
