"""A playlist's uploaded cover on the real local stack (S3 presigned POSTs to moto over HTTP, the
stream drained by hand): the creator uploads a picture, the server checks it and makes it a
small JPEG without metadata under a new key on the playlist and the partner's copy, the old
object goes; removing it brings the mosaic back; what is not a cover; the partner gets a 403,
anyone else a 404; a deleted playlist takes its objects. (Heard live: ``test_playlists_cover_live``.)
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx

from backend.aws import client
from backend.contracts import PlaylistCoverUploadRequest
from backend.local.http_adapter import LocalApiServer
from backend.media import paths
from backend.settings import get_settings
from backend.store import keys, table
from lumi_app.api_client import LumiApi
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_api_users import object_exists, tiny_png, upload
from tests.integration.test_music_shared_filter import put_songs
from tests.integration.test_playlists import add, make_playlist

DRAIN = 60.0


def picture(size: tuple[int, int] = (1200, 900), fmt: str = "JPEG") -> bytes:
    """A picture as a phone makes it: a JPEG carries EXIF (the camera's make)."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 60, 90))
    out = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def ticket(api: Api, person: Person, playlist_id: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    return api.post(
        f"/music/playlists/{playlist_id}/cover",
        {"content_type": content_type, "size": len(data)},
        token=person.access_token,
    )


def confirm(api: Api, person: Person, playlist_id: str, key: str) -> tuple[int, Any]:
    return api.put(f"/music/playlists/{playlist_id}/cover", {"key": key}, token=person.access_token)


def remove(api: Api, person: Person, playlist_id: str) -> tuple[int, Any]:
    return api.delete(f"/music/playlists/{playlist_id}/cover", token=person.access_token)


def uploaded(api: Api, person: Person, playlist_id: str, data: bytes, content_type: str = "image/jpeg") -> str:
    status, found = ticket(api, person, playlist_id, data, content_type)
    assert status == 201, found
    sent = upload(found, data)
    assert sent.status_code in (200, 201, 204), sent.text
    return str(found["key"])


def set_cover(api: Api, person: Person, playlist_id: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    status, body = confirm(api, person, playlist_id, uploaded(api, person, playlist_id, data, content_type))
    assert status == 200, body
    return body


def stored(person: Person, playlist_id: str) -> dict[str, Any]:
    item = table.get(keys.playlist(person.user_id, playlist_id))
    assert item is not None
    return dict(item)


def read_object(key: str) -> bytes:
    return bytes(client("s3").get_object(Bucket=get_settings().media_bucket, Key=key)["Body"].read())


def listed(api: Api, person: Person, playlist_id: str) -> dict[str, Any]:
    status, body = api.get("/music/playlists", token=person.access_token)
    assert status == 200, body
    (found,) = [item for item in body["items"] if item["playlist_id"] == playlist_id]
    return dict(found)


def objects_under(prefix: str) -> list[str]:
    found = client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix=prefix)
    return [entry["Key"] for entry in found.get("Contents", [])]


def test_the_creator_sets_replaces_and_removes_a_cover_both_partners_see(api: Api, couple: MakeCouple) -> None:
    from PIL import Image

    ana, ben, _ = couple()
    (song_id,) = put_songs(ana, ["One"])
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    add(api, ana, playlist_id, [song_id])
    # the ticket pins a new key under the playlist's prefix, the type and the avatar's size limit
    data = picture()
    status, found = ticket(api, ana, playlist_id, data)
    assert status == 201, found
    prefix = paths.playlist_cover_upload_prefix(ana.user_id, playlist_id)
    assert prefix == f"private/users/{ana.user_id}/playlists/{playlist_id}/cover-uploads/"
    assert found["key"].startswith(prefix) and len(found["key"]) > len(prefix)
    policy = json.loads(base64.b64decode(found["fields"]["policy"]))
    assert {"key": found["key"]} in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert ["content-length-range", 1, get_settings().avatar_max_bytes] in policy["conditions"]
    assert ticket(api, ana, playlist_id, data)[1]["key"] != found["key"]  # a new key per upload
    # when Ana sends a 1200×900 photo with EXIF in it and confirms it
    assert upload(found, data).status_code in (200, 201, 204)
    status, body = confirm(api, ana, playlist_id, found["key"])
    assert status == 200, body
    cover_key = stored(ana, playlist_id)["cover_key"]
    assert cover_key == paths.playlist_cover_key(ana.user_id, playlist_id, found["key"])
    assert body["cover_url"] and body["playlist_id"] == playlist_id
    # then the cover is a ≤ 600 px JPEG without metadata, and the unchecked upload is gone
    with Image.open(io.BytesIO(read_object(cover_key))) as made:
        assert made.format == "JPEG" and made.size == (600, 450)
        assert not made.getexif() and "exif" not in made.info
    assert not object_exists(found["key"])
    assert httpx.get(body["cover_url"]).content[:3] == b"\xff\xd8\xff"
    # the partner's copy carries it, and both see it in the playlist and in their lists (no mosaic)
    assert stored(ben, playlist_id)["cover_key"] == cover_key
    for person in (ana, ben):
        status, detail = api.get(f"/music/playlists/{playlist_id}", token=person.access_token)
        assert status == 200 and detail["cover_url"] and detail["cover_urls"] == [], detail
        assert listed(api, person, playlist_id)["cover_url"]
    # a confirm sent again answers the same playlist
    again = confirm(api, ana, playlist_id, found["key"])
    assert again[0] == 200 and stored(ana, playlist_id)["cover_key"] == cover_key
    # replaced by a PNG: a new key, the previous cover object goes
    set_cover(api, ana, playlist_id, picture((300, 200), "PNG"), "image/png")
    replaced = stored(ana, playlist_id)["cover_key"]
    assert replaced != cover_key and not object_exists(cover_key) and object_exists(replaced)
    assert stored(ben, playlist_id)["cover_key"] == replaced
    # removed: no cover for either, the object deleted, a second removal is harmless
    status, body = remove(api, ana, playlist_id)
    assert status == 200 and body["cover_url"] is None, body
    assert "cover_key" not in stored(ana, playlist_id) and "cover_key" not in stored(ben, playlist_id)
    assert not object_exists(replaced)
    assert remove(api, ana, playlist_id)[0] == 200
    assert listed(api, ben, playlist_id)["cover_url"] is None
    # a personal playlist (no copy) takes a cover too
    personal = make_playlist(api, ana, "Mine")["playlist_id"]
    assert set_cover(api, ana, personal, picture((64, 64), "WEBP"), "image/webp")["cover_url"]
    assert table.get(keys.playlist(ben.user_id, personal)) is None


def test_what_cannot_become_a_cover(api: Api, register: Register) -> None:
    ana = register("ana")
    playlist_id = make_playlist(api, ana, "Mine")["playlist_id"]
    data = picture((50, 50))
    # a ticket outside the rules: another type, too large
    assert_error(ticket(api, ana, playlist_id, data, "image/gif"), 422, "validation_error")
    too_large = {"content_type": "image/png", "size": get_settings().avatar_max_bytes + 1}
    assert_error(
        api.post(f"/music/playlists/{playlist_id}/cover", too_large, token=ana.access_token), 422, "validation_error"
    )
    # a file that is not a picture is refused and deleted
    key = uploaded(api, ana, playlist_id, b"only words, not a picture at all" * 4, "image/png")
    assert_error(confirm(api, ana, playlist_id, key), 422, "invalid_image")
    assert not object_exists(key)
    # a picture's first bytes with nothing readable after them
    key = uploaded(api, ana, playlist_id, tiny_png()[:16] + b"\0" * 64, "image/png")
    assert_error(confirm(api, ana, playlist_id, key), 422, "invalid_image")
    assert not object_exists(key)
    # a PNG sent as a JPEG
    key = uploaded(api, ana, playlist_id, tiny_png(), "image/jpeg")
    assert_error(confirm(api, ana, playlist_id, key), 422, "invalid_image")
    # keys the server did not make for this playlist, and a ticket whose file never came
    other = make_playlist(api, ana, "Other")["playlist_id"]
    for foreign in (
        paths.new_avatar_key(ana.user_id),
        paths.new_playlist_cover_upload_key(ana.user_id, other),
        f"{paths.playlist_cover_upload_prefix(ana.user_id, playlist_id)}../x",
    ):
        assert_error(confirm(api, ana, playlist_id, foreign), 422, "invalid_image")
    _, never_sent = ticket(api, ana, playlist_id, data)
    assert_error(confirm(api, ana, playlist_id, never_sent["key"]), 422, "invalid_image")
    assert_error(confirm(api, ana, playlist_id, ""), 422, "validation_error")
    assert "cover_key" not in stored(ana, playlist_id)


def test_only_the_creator_changes_the_cover(api: Api, couple: MakeCouple, register: Register) -> None:
    ana, ben, _ = couple()
    cleo = register("cleo")
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    set_cover(api, ana, playlist_id, picture((100, 100)))
    cover_key = stored(ana, playlist_id)["cover_key"]
    data = picture((80, 80))
    key = uploaded(api, ana, playlist_id, data)
    # the partner it is shared with: 403, as for its name
    assert_error(ticket(api, ben, playlist_id, data), 403, "forbidden")
    assert_error(confirm(api, ben, playlist_id, key), 403, "forbidden")
    assert_error(remove(api, ben, playlist_id), 403, "forbidden")
    # anyone else: the 404 of a playlist that does not exist
    for attempt in (ticket(api, cleo, playlist_id, data), confirm(api, cleo, playlist_id, key)):
        assert_error(attempt, 404, "not_found")
    assert_error(remove(api, cleo, playlist_id), 404, "not_found")
    assert_error(ticket(api, ana, "no-such-playlist", data), 404, "not_found")
    assert stored(ana, playlist_id)["cover_key"] == cover_key and object_exists(key)


def test_a_deleted_playlist_takes_its_cover_objects(api: Api, couple: MakeCouple, stream: Any) -> None:
    ana, _, _ = couple()
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    kept = make_playlist(api, ana, "Kept")["playlist_id"]
    set_cover(api, ana, playlist_id, picture((120, 120)))
    set_cover(api, ana, kept, picture((120, 120)))
    _, dangling = ticket(api, ana, playlist_id, tiny_png(), "image/png")  # sent, never confirmed
    assert upload(dangling, tiny_png()).status_code in (200, 201, 204)
    prefix = paths.playlist_prefix(ana.user_id, playlist_id)
    assert len(objects_under(prefix)) == 2
    stream.drain(timeout=DRAIN)
    assert api.delete(f"/music/playlists/{playlist_id}", token=ana.access_token)[0] == 204
    stream.drain(timeout=DRAIN)
    assert objects_under(prefix) == []
    assert len(objects_under(paths.playlist_prefix(ana.user_id, kept))) == 1
    stream.drain(timeout=DRAIN)  # a replay finds nothing to do
    assert objects_under(prefix) == []


async def test_the_app_client_changes_a_playlist_cover(api: Api, register: Register) -> None:
    ana = register("ana")
    playlist_id = make_playlist(api, ana, "Client")["playlist_id"]
    server = LocalApiServer().start()
    lumi = LumiApi(server.url)
    try:
        data = picture((64, 64), "PNG")
        found = await lumi.playlist_cover_ticket(
            ana.access_token, playlist_id, PlaylistCoverUploadRequest(content_type="image/png", size=len(data))
        )
        assert upload(found.model_dump(), data).status_code in (200, 201, 204)
        playlist = await lumi.confirm_playlist_cover(ana.access_token, playlist_id, found.key)
        assert playlist.playlist_id == playlist_id and playlist.cover_url
        assert (await lumi.playlist(ana.access_token, playlist_id)).cover_url
        assert (await lumi.remove_playlist_cover(ana.access_token, playlist_id)).cover_url is None
    finally:
        await lumi.aclose()
        server.stop()
