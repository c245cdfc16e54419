"""Editing a song's cover on the real local stack (S3 presigned POSTs to moto over HTTP, the
stream drained by hand): the owner of a ready song uploads a picture, the server checks it and
makes it a small JPEG without metadata under a new key, the old cover object goes, the partner's
copy of a shared song shows it, and the album follows; removing the cover; who may not, and
what is not a cover.
"""

# ruff: noqa: F811 - the music fixtures imported from test_music_job are requested by parameter name

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx

from backend.aws import client
from backend.contracts import SongCoverUploadRequest
from backend.local.http_adapter import LocalApiServer
from backend.local.queue_poller import QueuePoller
from backend.media import paths
from backend.settings import get_settings
from backend.store import keys, table
from lumi_app.api_client import LumiApi
from tests.audio import Tags, cover_art, make_song, tagged_song
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_api_users import object_exists, tiny_png, upload
from tests.integration.test_music_job import add_song, music, music_poller, stored  # noqa: F401 (fixtures)
from tests.integration.test_music_sharing import share

NIGHT = Tags(album="Night Songs", album_artist="Ana & the Lights", artist="Ana & the Lights")
NIGHT_KEY = keys.album_key_of(NIGHT.album, NIGHT.album_artist, NIGHT.artist)


def picture(
    size: tuple[int, int] = (1200, 900), fmt: str = "JPEG", color: tuple[int, int, int] = (10, 120, 200)
) -> bytes:
    """A picture as a phone makes it: a JPEG carries EXIF (the camera's make)."""
    from PIL import Image

    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def ticket(api: Api, person: Person, song_id: str, data: bytes, content_type: str = "image/jpeg") -> tuple[int, Any]:
    return api.post(
        f"/music/songs/{song_id}/cover", {"content_type": content_type, "size": len(data)}, token=person.access_token
    )


def confirm(api: Api, person: Person, song_id: str, key: str) -> tuple[int, Any]:
    return api.put(f"/music/songs/{song_id}/cover", {"key": key}, token=person.access_token)


def remove(api: Api, person: Person, song_id: str) -> tuple[int, Any]:
    return api.delete(f"/music/songs/{song_id}/cover", token=person.access_token)


def uploaded(api: Api, person: Person, song_id: str, data: bytes, content_type: str = "image/jpeg") -> str:
    """A picture sent as the browser sends it; its key."""
    status, found = ticket(api, person, song_id, data, content_type)
    assert status == 201, found
    sent = upload(found, data)
    assert sent.status_code in (200, 201, 204), sent.text
    return str(found["key"])


def set_cover(api: Api, person: Person, song_id: str, data: bytes, content_type: str = "image/jpeg") -> dict[str, Any]:
    status, song = confirm(api, person, song_id, uploaded(api, person, song_id, data, content_type))
    assert status == 200, song
    return dict(song)


def read_object(key: str) -> bytes:
    return bytes(client("s3").get_object(Bucket=get_settings().media_bucket, Key=key)["Body"].read())


def album_cover(person: Person) -> str | None:
    assert NIGHT_KEY is not None
    item = table.get(keys.album(person.user_id, NIGHT_KEY))
    assert item is not None
    return item.get("cover_key")


def ready(api: Api, person: Person, music: QueuePoller, title: str, frequency: int, cover: bytes | None = None) -> str:
    tags = Tags(**{**NIGHT.__dict__, "title": title})
    song = add_song(api, person, tagged_song("mp3", tags, cover=cover, seconds=1, frequency=frequency))
    music.drain(timeout=60)
    return str(song["song_id"])


def test_the_owner_sets_replaces_and_removes_a_cover_and_the_album_follows(
    api: Api, register: Register, music: QueuePoller, stream: Any
) -> None:
    from PIL import Image

    ana = register("ana")
    first = ready(api, ana, music, "One", 1110, cover_art())
    second = ready(api, ana, music, "Two", 1120)
    stream.drain()
    found_in_file = stored(ana, first)["cover_key"]
    assert found_in_file == paths.song_cover_key(ana.user_id, first)
    assert album_cover(ana) == found_in_file
    # the ticket pins a new key under the song's prefix, the type and the avatar's size limit
    data = picture()
    status, found = ticket(api, ana, first, data)
    assert status == 201, found
    prefix = paths.song_cover_upload_prefix(ana.user_id, first)
    assert found["key"].startswith(prefix) and len(found["key"]) > len(prefix)
    policy = json.loads(base64.b64decode(found["fields"]["policy"]))
    assert {"key": found["key"]} in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert ["content-length-range", 1, get_settings().avatar_max_bytes] in policy["conditions"]
    assert found["max_bytes"] == get_settings().avatar_max_bytes
    assert ticket(api, ana, first, data)[1]["key"] != found["key"]  # a new key per upload
    # when Ana sends a 1200×900 photo with EXIF in it and confirms it
    assert upload(found, data).status_code in (200, 201, 204)
    status, song = confirm(api, ana, first, found["key"])
    assert status == 200, song
    cover_key = stored(ana, first)["cover_key"]
    assert cover_key == paths.song_edited_cover_key(ana.user_id, first, found["key"]) != found_in_file
    assert song["cover_url"] and song["song_id"] == first
    # then the cover is a ≤ 600 px JPEG without metadata; the old cover and the upload are gone
    with Image.open(io.BytesIO(read_object(cover_key))) as made:
        assert made.format == "JPEG" and max(made.size) == 600 and made.size == (600, 450)
        assert not made.getexif() and "exif" not in made.info
    assert not object_exists(found_in_file) and not object_exists(found["key"])
    served = httpx.get(song["cover_url"])
    assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"
    _, detail = api.get(f"/music/songs/{first}", token=ana.access_token)
    assert detail["cover_url"] and stored(ana, first)["status"] == "ready"
    # a confirm sent again answers the same song
    again = confirm(api, ana, first, found["key"])
    assert again[0] == 200 and stored(ana, first)["cover_key"] == cover_key
    # the album shows the edited cover (it showed this song's)
    stream.drain()
    assert album_cover(ana) == cover_key
    # replaced by a PNG: the previous edited cover goes too
    set_cover(api, ana, first, picture((300, 200), "PNG"), "image/png")
    replaced = stored(ana, first)["cover_key"]
    assert replaced != cover_key and not object_exists(cover_key) and object_exists(replaced)
    # another song of the album gets a cover: the album keeps the one it shows
    set_cover(api, ana, second, picture((200, 200), "WEBP"), "image/webp")
    stream.drain()
    assert album_cover(ana) == replaced
    # removing the cover the album shows: the album takes the other song's
    status, song = remove(api, ana, first)
    assert status == 200 and song["cover_url"] is None, song
    assert stored(ana, first).get("cover_key") is None and not object_exists(replaced)
    assert remove(api, ana, first)[0] == 200  # again: nothing to do
    stream.drain()
    assert album_cover(ana) == stored(ana, second)["cover_key"]
    # and the album has none once no song has one
    assert remove(api, ana, second)[0] == 200
    stream.drain()
    assert album_cover(ana) is None
    _, albums = api.get("/music/albums", token=ana.access_token)
    assert albums["items"][0]["cover_url"] is None


def test_the_partner_sees_the_new_cover_of_a_shared_song_and_cannot_change_it(
    api: Api, couple: MakeCouple, register: Register, music: QueuePoller, stream: Any
) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    song_id = ready(api, ana, music, "Ours", 1130)
    assert share(api, ana, song_id)[0] == 200
    stream.drain()
    _, before = api.get(f"/music/songs/{song_id}", token=ben.access_token)
    assert before["cover_url"] is None
    # when Ana gives the shared song a cover
    set_cover(api, ana, song_id, picture((640, 640)))
    cover_key = stored(ana, song_id)["cover_key"]
    # then Ben's library and the song itself show it, and so does his album
    copy = table.get(keys.song(ben.user_id, song_id))
    assert copy is not None and copy["cover_key"] == cover_key
    _, detail = api.get(f"/music/songs/{song_id}", token=ben.access_token)
    assert detail["cover_url"] and httpx.get(detail["cover_url"]).status_code == 200
    _, page = api.get("/music/songs", token=ben.access_token)
    assert [song["cover_url"] is not None for song in page["items"] if song["song_id"] == song_id] == [True]
    stream.drain()
    assert album_cover(ben) == cover_key
    # Ben cannot change it (403, as for its details); Cleo cannot even find it
    data = picture((100, 100))
    key = uploaded(api, ana, song_id, data)
    assert_error(ticket(api, ben, song_id, data), 403, "forbidden")
    assert_error(confirm(api, ben, song_id, key), 403, "forbidden")
    assert_error(remove(api, ben, song_id), 403, "forbidden")
    for attempt in (ticket(api, cleo, song_id, data), confirm(api, cleo, song_id, key), remove(api, cleo, song_id)):
        assert_error(attempt, 404, "not_found")
    assert stored(ana, song_id)["cover_key"] == cover_key
    # removed by Ana: gone for Ben too
    assert remove(api, ana, song_id)[0] == 200
    copy = table.get(keys.song(ben.user_id, song_id))
    assert copy is not None and copy.get("cover_key") is None
    _, detail = api.get(f"/music/songs/{song_id}", token=ben.access_token)
    assert detail["cover_url"] is None
    stream.drain()
    assert album_cover(ben) is None


def test_what_cannot_become_a_cover(api: Api, register: Register, music: QueuePoller) -> None:
    ana, cleo = register("ana"), register("cleo")
    # a song still processing (or refused) cannot have its cover changed
    early = add_song(api, ana, make_song("mp3", seconds=1, frequency=1140))["song_id"]
    data = picture((50, 50))
    assert_error(ticket(api, ana, early, data), 409, "song_not_ready")
    assert_error(confirm(api, ana, early, paths.new_song_cover_upload_key(ana.user_id, early)), 409, "song_not_ready")
    assert_error(remove(api, ana, early), 409, "song_not_ready")
    refused = add_song(api, ana, b"fLaC" + bytes(range(256)) * 40, "flac")["song_id"]
    music.drain(timeout=60)
    assert stored(ana, refused)["status"] == "refused"
    assert_error(ticket(api, ana, refused, data), 409, "song_not_ready")
    assert_error(remove(api, ana, refused), 409, "song_not_ready")
    song_id = str(early)
    # a ticket outside the rules
    assert_error(ticket(api, ana, song_id, data, "image/gif"), 422, "validation_error")
    assert_error(
        api.post(
            f"/music/songs/{song_id}/cover",
            {"content_type": "image/png", "size": get_settings().avatar_max_bytes + 1},
            token=ana.access_token,
        ),
        422,
        "validation_error",
    )
    assert_error(ticket(api, ana, "no-such-song", data), 404, "not_found")
    assert_error(ticket(api, cleo, song_id, data), 404, "not_found")
    # a file that is not a picture is refused and deleted
    text = b"this is not a picture at all, only words" * 4
    key = uploaded(api, ana, song_id, text, "image/png")
    assert_error(confirm(api, ana, song_id, key), 422, "invalid_image")
    assert not object_exists(key)
    # a picture's first bytes with nothing readable after them: refused and deleted
    broken = tiny_png()[:16] + b"\0" * 64
    key = uploaded(api, ana, song_id, broken, "image/png")
    assert_error(confirm(api, ana, song_id, key), 422, "invalid_image")
    assert not object_exists(key)
    # a PNG sent as a JPEG
    key = uploaded(api, ana, song_id, tiny_png(), "image/jpeg")
    assert_error(confirm(api, ana, song_id, key), 422, "invalid_image")
    # keys the server did not make for this song, and a ticket whose file never came
    for other in (
        paths.new_avatar_key(ana.user_id),
        paths.song_original_key(ana.user_id, song_id),
        f"{paths.song_cover_upload_prefix(ana.user_id, song_id)}../original",
        paths.new_song_cover_upload_key(cleo.user_id, song_id),
    ):
        assert_error(confirm(api, ana, song_id, other), 422, "invalid_image")
    _, never_sent = ticket(api, ana, song_id, data)
    assert_error(confirm(api, ana, song_id, never_sent["key"]), 422, "invalid_image")
    assert_error(confirm(api, ana, song_id, ""), 422, "validation_error")
    # nothing changed, and the song still plays
    assert stored(ana, song_id).get("cover_key") is None
    status, detail = api.get(f"/music/songs/{song_id}", token=ana.access_token)
    assert status == 200 and detail["status"] == "ready" and detail["cover_url"] is None


async def test_the_app_client_changes_a_cover_and_filters_the_library(
    api: Api, register: Register, music: QueuePoller
) -> None:
    ana = register("ana")
    song_id = ready(api, ana, music, "Client Cover Ünique", 1150)
    server = LocalApiServer().start()
    lumi = LumiApi(server.url)
    try:
        data = picture((64, 64), "PNG")
        found = await lumi.song_cover_ticket(
            ana.access_token, song_id, SongCoverUploadRequest(content_type="image/png", size=len(data))
        )
        assert upload(found.model_dump(), data).status_code in (200, 201, 204)
        song = await lumi.confirm_song_cover(ana.access_token, song_id, found.key)
        assert song.song_id == song_id and song.cover_url
        page = await lumi.songs(ana.access_token, sort="artist", q="cover UNIQUE")
        assert [(item.song_id, bool(item.cover_url)) for item in page.items] == [(song_id, True)]
        assert (await lumi.songs(ana.access_token, q="nothing like it")).items == []
        song = await lumi.remove_song_cover(ana.access_token, song_id)
        assert song.cover_url is None
    finally:
        await lumi.aclose()
        server.stop()
