"""Songs as stored: their keys, sort indexes (none while refused), the partner's listing copy,
and the round trip back to a record. Shapes only, no database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from backend.media import paths
from backend.store import keys
from backend.store import music as store

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SONG = store.SongRecord(
    owner_id="ana",
    song_id="0001",
    status="ready",
    title="Blue Hour",
    content_type="audio/flac",
    size=1234,
    created_at=NOW,
    artist="Édith",
    album="Night",
    album_artist=None,
    track_number=3,
    disc_number=1,
    year=2019,
    genre="Jazz",
    duration_seconds=201.5,
    loudness_lufs=-14.2,
    rendition_key="private/users/ana/music/0001/stream.m4a",
    cover_key=None,
    updated_at=NOW,
    peaks=bytes(range(10)),
    content_hash="ab" * 32,
)


def test_a_song_lives_in_its_owners_partition_with_its_sort_keys() -> None:
    item = store.song_item(SONG)
    assert (item["pk"], item["sk"], item["type"]) == ("USER#ana", "SONG#0001", "Song")
    assert item["gsi1pk"] == "SONGS#ana#TITLE" and item["gsi1sk"] == "blue hour#edith#0001"
    assert item["gsi3sk"] == "edith#night#001#0003#0001"
    assert item["gsi4pk"] == "SONGS#ana#ALBUM" and item["gsi4sk"] == "night#edith#001#0003#0001"
    assert "gsi2pk" not in item  # a person's, not the couple's: a split leaves it
    assert store.song_from(item) == SONG


def test_a_refused_song_has_no_sort_keys() -> None:
    refused = dataclasses.replace(SONG, status="refused", refused_reason="Damaged", expires_at=99)
    item = store.song_item(refused)
    assert not set(keys.SONG_INDEX_ATTRIBUTES) & set(item)
    assert store.song_from(item) == refused


def test_the_partners_copy_lists_under_the_partner_with_the_tenant_key() -> None:
    shared = dataclasses.replace(SONG, visibility="partner", shared_rel="r1", shared_with="ben")
    copy = store.shared_copy_item(shared, "ben", "r1")
    assert (copy["pk"], copy["sk"], copy["type"]) == ("USER#ben", "SONG#0001", "SharedSong")
    assert copy["gsi1pk"] == "SONGS#ben#TITLE" and copy["gsi4pk"] == "SONGS#ben#ALBUM"
    assert (copy["gsi2pk"], copy["gsi2sk"]) == ("REL#r1", "SHAREDSONG#ben#0001")
    assert copy["gsi2sk"].startswith(keys.shared_songs_prefix("ben"))
    assert copy["owner_id"] == "ana" and copy["shared_rel"] == "r1" and copy["shared_with"] == "ben"
    assert not {"peaks", "content_hash", "file_name"} & set(copy)
    listed = store.song_from(copy)
    assert listed.is_copy and listed.owner_id == "ana" and listed.title == "Blue Hour"


def test_a_songs_files_sit_under_its_owners_private_prefix() -> None:
    assert paths.song_original_key("ana", "0001") == "private/users/ana/music/0001/original"
    assert paths.song_rendition_key("ana", "0001").startswith(paths.song_prefix("ana", "0001"))
    assert paths.song_cover_key("ana", "0001").startswith(paths.user_prefix("ana"))
    assert keys.song_hash("ana", "ff") == {"pk": "USER#ana", "sk": "SONGHASH#ff"}
    assert keys.music_usage("ana") == {"pk": "USER#ana", "sk": "MUSICUSAGE"}
    # the date-added listing's prefix matches songs only, not tickets or claims
    assert not keys.song_upload("ana", "1")["sk"].startswith(keys.SONG_PREFIX)
    assert not keys.song_hash("ana", "1")["sk"].startswith(keys.SONG_PREFIX)


def test_the_copies_shared_with_one_person_share_a_tenant_key_prefix() -> None:
    assert keys.shared_songs_prefix("ben") == "SHAREDSONG#ben#"
    key = keys.shared_song_tenant_key("r1", "ben", "0002")
    assert key == {"gsi2pk": "REL#r1", "gsi2sk": "SHAREDSONG#ben#0002"}
    # the other direction of the same couple is not under Ben's prefix (nor a longer id's)
    assert not keys.shared_song_tenant_key("r1", "ana", "0002")["gsi2sk"].startswith(keys.shared_songs_prefix("ben"))
    assert not keys.shared_song_tenant_key("r1", "benny", "0002")["gsi2sk"].startswith(keys.shared_songs_prefix("ben"))
    # newer ids sort after older ones: a backwards Query lists newest first
    assert keys.shared_song_tenant_key("r1", "ben", "0003")["gsi2sk"] > key["gsi2sk"]
    assert keys.migration("x") == {"pk": "MIGRATION#x", "sk": "DONE"}
