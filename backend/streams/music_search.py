"""Stream steps that keep the music search index in step with each person's library: their
ready songs, the songs shared with them (the partner's copy lives in their partition), their
albums and artists (summaries with at least one song), their playlists and the partner's copies
of those shared with them. Each step writes the index from the
record's image alone (upsert or delete by id), so a record delivered twice changes nothing; a
song's hits are checked against the table when searched, so a late step never leaks.
"""

from __future__ import annotations

from typing import Any

from backend.search import MusicDocument, get_music_index
from backend.store import albums, keys
from backend.store import music as music_store
from backend.store import playlists as playlist_store

Image = dict[str, Any]

SONG = "song"
KIND_OF_SUMMARY = {albums.ALBUM: "album", albums.ARTIST: "artist"}


def _person_of_song(image: Image) -> str | None:
    if image.get("type") == music_store.SHARED_SONG:
        return image.get("shared_with")
    return image.get("owner_id")


def song_document(image: Image) -> MusicDocument | None:
    """What search knows of a ready song (or shared copy) in its person's library."""
    person = _person_of_song(image)
    if not person or image.get("status") != "ready":
        return None
    detail = " ".join(str(image.get(name) or "") for name in ("artist", "album", "album_artist") if image.get(name))
    return MusicDocument(person, SONG, str(image["song_id"]), str(image.get("title") or ""), detail)


def song_changed(old: Image, new: Image) -> None:
    document = song_document(new)
    person = _person_of_song(new)
    if document is not None:
        get_music_index().upsert_music(document)
    elif person:
        get_music_index().remove_music(person, SONG, str(new["song_id"]))


def song_removed(old: Image) -> None:
    person = _person_of_song(old)
    if person:
        get_music_index().remove_music(person, SONG, str(old["song_id"]))


def _summary_id(image: Image) -> tuple[str, str, str] | None:
    kind = KIND_OF_SUMMARY.get(str(image.get("type")))
    pk, sk = str(image.get("pk", "")), str(image.get("sk", ""))
    if kind is None or not pk.startswith("USER#"):
        return None
    prefix = keys.ALBUM_PREFIX if kind == "album" else keys.ARTIST_PREFIX
    return pk.removeprefix("USER#"), kind, sk.removeprefix(prefix)


def summary_changed(old: Image, new: Image) -> None:
    """An album or artist summary moved: indexed while it has songs, forgotten at zero."""
    found = _summary_id(new)
    if found is None:
        return
    person, kind, item_id = found
    if int(new.get("song_count") or 0) > 0:
        detail = str(new.get("artist") or "") if kind == "album" else ""
        get_music_index().upsert_music(MusicDocument(person, kind, item_id, str(new.get("name") or ""), detail))
    else:
        get_music_index().remove_music(person, kind, item_id)


def summary_removed(old: Image) -> None:
    found = _summary_id(old)
    if found is not None:
        get_music_index().remove_music(*found)


# ---------------------------------------------------------------- playlists

PLAYLIST = "playlist"


def _person_of_playlist(image: Image) -> str | None:
    """Whose list holds it: the creator's playlist, or the partner's copy of one shared with them."""
    if image.get("type") == playlist_store.SHARED_PLAYLIST:
        return image.get("shared_with")
    if image.get("type") == playlist_store.PLAYLIST:
        return image.get("owner_id")
    return None


def playlist_document(image: Image) -> MusicDocument | None:
    """What search knows of a playlist in its person's list (the creator's or the partner's copy)."""
    person = _person_of_playlist(image)
    if not person or not image.get("playlist_id"):
        return None
    return MusicDocument(person, PLAYLIST, str(image["playlist_id"]), str(image.get("name") or ""), "")


def playlist_changed(old: Image, new: Image) -> None:
    document = playlist_document(new)
    if document is not None:
        get_music_index().upsert_music(document)


def playlist_removed(old: Image) -> None:
    """A playlist or a partner's copy went (deleted, unshared, the couple split): its document in
    that person's list goes."""
    person = _person_of_playlist(old)
    if person and old.get("playlist_id"):
        get_music_index().remove_music(person, PLAYLIST, str(old["playlist_id"]))
