"""The music upload's pure rules: which bytes are audio, how titles fall back to file names,
how sizes and the quota are said, and how songs sort."""

from __future__ import annotations

import pytest

from backend.domain import music
from backend.media.audio import sniff_container
from backend.store import keys


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x22TSSE", "mp3"),
        (bytes([0xFF, 0xFB, 0x90, 0x64]) + b"\0" * 8, "mp3"),  # MPEG-1 layer III, 128 kbps, 44.1 kHz
        (bytes([0xFF, 0xF1, 0x50, 0x80]) + b"\0" * 8, "aac"),  # ADTS
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00", "ogg"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "wav"),
        (b"RIFF\x24\x08\x00\x00AVI LIST", None),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", None),  # a QuickTime movie
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d", None),
        (b"%PDF-1.7\n", None),
        (bytes([0xFF, 0xD8, 0xFF, 0xE0]) + b"\0" * 8, None),  # a JPEG
        (bytes([0xFF, 0xFB, 0xF0, 0x64]) + b"\0" * 8, None),  # a "frame" with the invalid bitrate 15
        (b"", None),
    ],
)
def test_sniffing_finds_audio_containers_only(head: bytes, expected: str | None) -> None:
    assert sniff_container(head) == expected


@pytest.mark.parametrize(
    ("file_name", "title"),
    [
        ("My_first song.mp3", "My first song"),
        ("Music/Album/03 Intro.flac", "03 Intro"),
        ("C:\\Users\\ana\\Song.m4a", "Song"),
        ("no extension", "no extension"),
        (".mp3", ".mp3"),
        ("  spaced \t out .ogg", "spaced out"),
        ("bell\x07.wav", "bell"),
        ("", "Untitled"),
        (None, "Untitled"),
        ("____.mp3", "Untitled"),
    ],
)
def test_a_title_falls_back_to_the_file_name(file_name: str | None, title: str) -> None:
    assert music.title_from_file_name(file_name) == title


def test_sizes_and_the_quota_in_words() -> None:
    assert music.size_words(200 * 1024 * 1024) == "200 MB"
    assert music.size_words(5 * 1024**3) == "5 GB"
    assert music.size_words(int(4.5 * 1024**3)) == "4.5 GB"
    assert music.size_words(10) == "1 KB"
    assert music.quota_problem(0, 100, 100) is None
    problem = music.quota_problem(90 * 1024 * 1024, 20 * 1024 * 1024, 100 * 1024 * 1024)
    assert problem == (
        "This song (20 MB) does not fit in your music storage: 10 MB of 100 MB left. Delete some songs to make room."
    )
    assert "1 KB of" in (music.quota_problem(200, 100, 100) or "")


def test_sort_text_ignores_case_and_accents_and_sorts_unknowns_last() -> None:
    assert keys.sort_text("  Édith   PIAF ") == "edith piaf"
    assert keys.sort_text("Sigur Rós") == "sigur ros"
    assert keys.sort_text("AC#DC") == "ac dc"
    assert keys.sort_text(None) == keys.sort_text("") == keys.sort_text("   ") == "~"
    assert keys.sort_text("x" * 200) == "x" * keys.SORT_TEXT_MAX
    titles = ["zebra", "Apple", "Éclair", "banana", ""]
    assert sorted(titles, key=keys.sort_text) == ["Apple", "banana", "Éclair", "zebra", ""]


def test_song_index_keys_order_by_title_and_by_artist_album_disc_track() -> None:
    def artist_key(artist: str | None, album: str | None, disc: int | None, track: int | None, song_id: str) -> str:
        return keys.song_index_keys("u1", song_id, "t", artist, album, disc, track)["gsi3sk"]

    found = keys.song_index_keys("u1", "s1", "Hello", "Adele", "25", 1, 1)
    assert found["gsi1pk"] == "SONGS#u1#TITLE" and found["gsi1sk"] == "hello#adele#s1"
    assert found["gsi3pk"] == "SONGS#u1#ARTIST" and found["gsi3sk"] == "adele#25#001#0001#s1"
    assert found["gsi4pk"] == "SONGS#u1#ALBUM" and found["gsi4sk"] == "25#adele#001#0001#s1"
    # an album is sorted by its album artist when it has one (a compilation stays together)
    various = keys.song_index_keys("u1", "s2", "t", "Someone", "Hits", 2, 7, album_artist="Various Artists")
    assert various["gsi4sk"] == "hits#various artists#002#0007#s2"
    ordered = [
        artist_key("Adele", "21", 1, 2, "a"),
        artist_key("Adele", "21", 1, 10, "b"),
        artist_key("Adele", "21", 2, 1, "c"),
        artist_key("Adele", "25", None, None, "d"),
        artist_key("Björk", "Post", 1, 1, "e"),
        artist_key(None, None, None, None, "f"),
    ]
    assert sorted(ordered) == ordered
