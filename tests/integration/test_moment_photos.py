"""Photo moments on the real local stack: uploaded through the ticket's presigned POST, looked at
in the request (magic bytes, Pillow's reading of the header), stored "processing", queued by the
stream (``stream.drain()``) and made ready by the media job (``media.drain()``), which writes
upright renditions without any metadata and deletes the original. What is served is read back
byte by byte: no EXIF, no GPS, no XMP, no ICC profile, no comment; and the picture is upright.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from backend.jobs import media as media_job
from backend.local.queue_poller import QueuePoller
from backend.local.stream_poller import StreamPoller
from backend.media import photo
from backend.store import keys, table
from tests.integration.conftest import Api, MakeCouple, Person
from tests.integration.test_api_auth import assert_error
from tests.integration.test_moments import moment_prefix, notifications_of, object_exists, object_keys, upload
from tests.media import PHOTO_CONTENT_TYPES, jpeg_markers, make_photo

# Segments a clean JPEG may have: JFIF (APP0), tables, the frame, restart interval, the scan.
CLEAN_MARKERS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD, 0xDA}


def share_photo(
    api: Api, person: Person, data: bytes, content_type: str = "image/jpeg", title: str = "Our street"
) -> dict[str, Any]:
    ticket = upload(api, person, data, content_type)
    status, moment = api.post("/moments", {"moment_id": ticket["moment_id"], "title": title}, token=person.access_token)
    assert status == 201, moment
    return moment


def served(url: str) -> bytes:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    return response.content


def assert_no_metadata(data: bytes) -> None:
    """Nothing but pixels: no EXIF (or GPS in it), XMP, ICC profile or comment, by segment and by Pillow."""
    assert set(jpeg_markers(data)) <= CLEAN_MARKERS, [hex(m) for m in jpeg_markers(data)]
    for trace in (b"Exif", b"GPS", b"LumiTestCam", b"xmpmeta", b"ICC_PROFILE", b"taken at home"):
        assert trace not in data, trace
    with Image.open(io.BytesIO(data)) as opened:
        assert not opened.getexif()
        assert not opened.getexif().get_ifd(0x8825)
        assert "icc_profile" not in opened.info and "xmp" not in opened.info and "comment" not in opened.info


def assert_upright(data: bytes) -> tuple[int, int]:
    """The test photo (red left, blue right, orientation 6) shown upright: portrait, red on top."""
    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    width, height = picture.size
    assert height > width, picture.size
    top = picture.getpixel((width // 2, height // 8))
    bottom = picture.getpixel((width // 2, height * 7 // 8))
    assert top[0] > 200 and top[2] < 60, top  # red
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue
    return width, height


def test_a_phone_photo_is_served_upright_and_without_exif_or_gps(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given a 2400x1200 JPEG stored sideways (EXIF orientation 6) with GPS, XMP, ICC and a comment
    ana, ben, rel = couple()
    stream.drain()
    data = make_photo("jpeg", (2400, 1200), orientation=6)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825), "the test photo must carry GPS"
    # when Ana shares it
    moment = share_photo(api, ana, data)
    moment_id = moment["moment_id"]
    # then it is a photo, processing, already the right way round, and nothing of it is served yet
    assert moment["kind"] == "photo" and moment["status"] == "processing"
    assert (moment["width"], moment["height"]) == (1200, 2400)
    assert moment["video_url"] is None and moment["photo_url"] is None and moment["thumbnail_url"] is None
    assert moment["duration_seconds"] == 0 and moment["content_type"] == "image/jpeg"
    original_key = f"{moment_prefix(rel, moment_id)}original"
    assert object_exists(original_key)
    # and the request did not make renditions: the stream queues the media job
    assert media.drain() == 0
    stream.drain()
    assert media.drain() == 1
    # then Ben sees it ready, upright, without any metadata, at the feed's and the viewer's sizes
    status, seen = api.get(f"/moments/{moment_id}", token=ben.access_token)
    assert status == 200 and seen["status"] == "ready", seen
    assert (seen["width"], seen["height"]) == (1200, 2400)
    viewer, feed = served(seen["photo_url"]), served(seen["thumbnail_url"])
    for picture in (viewer, feed):
        assert_no_metadata(picture)
    assert assert_upright(viewer) == (800, 1600)
    assert assert_upright(feed) == (480, 960)
    # and the original (with its GPS) is no longer stored: only the two clean renditions are
    assert sorted(object_keys(moment_prefix(rel, moment_id))) == [
        f"{moment_prefix(rel, moment_id)}photo.jpg",
        f"{moment_prefix(rel, moment_id)}thumbnail.jpg",
    ]
    # and the chat works on a photo as on a video
    status, message = api.post(f"/moments/{moment_id}/messages", {"text": "Where was this?"}, token=ben.access_token)
    assert status == 201, message
    # and Ben was told once that Ana shared a photo
    stream.drain()
    about = [n for n in notifications_of(api, ben) if n["kind"] == "new_moment"]
    assert [n["title"] for n in about] == ["Ana shared a photo"]


@pytest.mark.parametrize("fmt", ["png", "webp", "heic"])
def test_png_webp_and_heic_photos_become_clean_jpegs(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, fmt: str
) -> None:
    ana, ben, rel = couple()
    data = make_photo(fmt, (1000, 600), orientation=6)
    moment = share_photo(api, ana, data, PHOTO_CONTENT_TYPES[fmt])
    assert moment["status"] == "processing" and moment["content_type"] == PHOTO_CONTENT_TYPES[fmt]
    stream.drain()
    media.drain()
    status, seen = api.get(f"/moments/{moment['moment_id']}", token=ben.access_token)
    assert status == 200 and seen["status"] == "ready", seen
    viewer = served(seen["photo_url"])
    assert_no_metadata(viewer)
    assert assert_upright(viewer) == (600, 1000)  # never made larger than it was
    assert not object_exists(f"{moment_prefix(rel, moment['moment_id'])}original")


def test_files_that_are_not_the_photo_they_claim_are_refused_and_removed(api: Api, couple: MakeCouple) -> None:
    ana, _, rel = couple()
    cases = [
        (b"Just some text, not a picture at all.\n" * 10, "image/jpeg", "This file is not a photo we can show."),
        (make_photo("jpeg", (400, 200)), "image/png", "The file is a JPEG photo but was sent as PNG."),
        (
            make_photo("png", (8, 8)),
            "image/png",
            "This picture is too small to be a photo (at least 16 pixels a side).",
        ),
        # a JPEG's first bytes, then nothing Pillow can read a size from
        (b"\xff\xd8\xff\xe0" + b"\x00" * 400, "image/jpeg", "This file is not a photo we can show."),
    ]
    for data, content_type, reason in cases:
        ticket = upload(api, ana, data, content_type)
        error = assert_error(
            api.post("/moments", {"moment_id": ticket["moment_id"], "title": "Nope"}, token=ana.access_token),
            422,
            "invalid_photo",
        )
        assert error["fields"] == {"photo": reason}
        assert error["message"] == "That file is not a photo we can use."
        assert object_keys(moment_prefix(rel, ticket["moment_id"])) == []
        assert table.get(keys.moment_upload(rel, ticket["moment_id"])) is None


def test_a_photo_that_cannot_be_decoded_is_marked_failed_and_its_original_goes(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    # given a JPEG whose header is whole but whose pixels are cut off (Pillow opens it, cannot decode it)
    ana, ben, rel = couple()
    whole = make_photo("jpeg", (1200, 800), orientation=1)
    moment = share_photo(api, ana, whole[: len(whole) // 3])
    assert moment["status"] == "processing"
    # when the media job runs (and once more: a duplicate message)
    stream.drain()
    media.drain()
    assert media_job.make_photo_renditions(rel, moment["moment_id"]) == "already failed"
    # then the moment says so, nothing of the file is kept, and no picture is served
    status, seen = api.get(f"/moments/{moment['moment_id']}", token=ben.access_token)
    assert status == 200 and seen["status"] == "failed", seen
    assert seen["photo_url"] is None and seen["thumbnail_url"] is None
    assert object_keys(moment_prefix(rel, moment["moment_id"])) == []


def test_the_media_job_is_safe_to_run_again_and_after_a_deletion(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller
) -> None:
    ana, _, rel = couple()
    moment = share_photo(api, ana, make_photo("jpeg", (800, 600)))
    moment_id = moment["moment_id"]
    stream.drain()
    media.drain()
    ready = table.get(keys.moment(rel, moment_id))
    assert ready is not None and ready["status"] == "ready"
    # when its job comes again (a duplicate message), then nothing changes
    assert media_job.make_photo_renditions(rel, moment_id) == "already ready"
    assert table.get(keys.moment(rel, moment_id)) == ready
    # when the owner deletes it, then the cascade takes its renditions
    assert api.delete(f"/moments/{moment_id}", token=ana.access_token)[0] == 204
    stream.drain()
    assert object_keys(moment_prefix(rel, moment_id)) == []
    # and a job that comes after the deletion leaves nothing behind either
    assert media_job.make_photo_renditions(rel, moment_id) == "gone"
    assert object_keys(moment_prefix(rel, moment_id)) == []


def test_a_photo_deleted_while_its_renditions_are_made_leaves_no_file(
    api: Api, couple: MakeCouple, stream: StreamPoller, media: QueuePoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, _, rel = couple()
    moment = share_photo(api, ana, make_photo("jpeg", (800, 600)))
    stream.drain()
    real = photo.renditions

    def deleted_meanwhile(*args: Any, **kwargs: Any) -> photo.Renditions:
        made = real(*args, **kwargs)
        assert api.delete(f"/moments/{moment['moment_id']}", token=ana.access_token)[0] == 204
        stream.drain()  # its clean-up runs before the job writes
        return made

    monkeypatch.setattr(photo, "renditions", deleted_meanwhile)
    media.drain()
    assert table.get(keys.moment(rel, moment["moment_id"])) is None
    assert object_keys(moment_prefix(rel, moment["moment_id"])) == []


def test_a_photo_ticket_pins_its_own_key_type_and_size(api: Api, couple: MakeCouple) -> None:
    ana, _, rel = couple()
    status, ticket = api.post(
        "/moments/uploads", {"content_type": "image/heic", "size": 3_000_000}, token=ana.access_token
    )
    assert status == 201, ticket
    assert ticket["key"] == f"private/rel/{rel}/moments/{ticket['moment_id']}/original"
    assert ticket["max_bytes"] == 40 * 1024 * 1024 and ticket["min_bytes"] == 100
    status, body = api.post(
        "/moments/uploads", {"content_type": "image/png", "size": 41 * 1024 * 1024}, token=ana.access_token
    )
    assert status == 422 and body["error"]["fields"]["size"] == "Photos can be up to 40 MB.", body
    status, body = api.post("/moments/uploads", {"content_type": "image/gif", "size": 5000}, token=ana.access_token)
    assert status == 422 and "content_type" in body["error"]["fields"], body
