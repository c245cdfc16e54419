"""Playlists' pure rules: who can play an entry's song, where a moved entry goes (ties from two
edits at once included), the cover mosaic, names, and the shapes of the keys."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.playlists import Placed, can_hear, clean_description, clean_name, cover_keys, move_bounds
from backend.domain.positions import DIGITS, between
from backend.store import keys
from backend.store.music import SongRecord
from backend.store.playlists import Access, EntryRecord, PlaylistRecord

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def song(owner: str = "ana", song_id: str = "s1", **fields: object) -> SongRecord:
    base = SongRecord(
        owner_id=owner, song_id=song_id, status="ready", title="T", content_type="audio/mpeg", size=1, created_at=NOW
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def entry(song_id: str, entry_id: str = "e", position: str = "V") -> EntryRecord:
    return EntryRecord("ana", "p1", entry_id, song_id, "ana", position, "ana", NOW, "T")


def test_a_person_hears_their_own_ready_songs_and_those_shared_with_them_now() -> None:
    assert can_hear("ana", None, song())
    assert not can_hear("ana", None, song(status="processing"))
    assert not can_hear("ana", "r1", None)  # deleted
    assert not can_hear("ana", "r1", song(is_copy=True))  # a listing copy is never the truth
    shared = song(owner="ben", visibility="partner", shared_rel="r1", shared_with="ana")
    assert can_hear("ana", "r1", shared)
    assert not can_hear("ana", None, shared)  # split: no couple any more
    assert not can_hear("ana", "r2", shared)  # another couple since
    assert not can_hear("cleo", "r1", shared)
    assert not can_hear("ana", "r1", song(owner="ben"))  # private again


def test_a_move_goes_between_the_anchor_and_the_next_other_entry() -> None:
    a, b, c = Placed("a", "F"), Placed("b", "V"), Placed("c", "k")
    assert move_bounds(None, [a, b, c], "c") == (None, "F")
    assert move_bounds(None, [a, b, c], "a") == (None, "V")  # already first: before the next one
    assert move_bounds(a, [a, b, c], "c") == ("F", "V")
    assert move_bounds(a, [a, b, c], "b") == ("F", "k")  # skips itself
    assert move_bounds(c, [c], "a") == ("k", None)  # to the end


def test_a_move_after_a_tie_goes_after_the_whole_tie() -> None:
    # two adds at once gave two entries the same position: both kept, ordered by id
    a, b, twin, c = Placed("a", "V"), Placed("b", "V"), Placed("twin", "V"), Placed("c", "k")
    before, after = move_bounds(a, [a, b, twin, c], "x")
    assert (before, after) == ("V", "k")
    assert "V" < between(before, after) < "k"
    assert move_bounds(a, [a, b, twin], "x") == ("V", None)


def test_stale_concurrent_moves_by_two_people_never_lose_or_break_an_entry() -> None:
    """Both partners read the list, then both write a move computed from what they read (the
    other's move unseen): every entry is still there once, and every later move still works."""
    rng = random.Random(13)
    ordered = {f"e{n:02}": between(None, None) for n in range(1)}
    last = next(iter(ordered.values()))
    for n in range(1, 12):
        last = between(last, None)
        ordered[f"e{n:02}"] = last
    for _ in range(500):
        seen = sorted(ordered.items(), key=lambda kv: (kv[1], kv[0]))
        writes = []
        for _person in range(2):
            moving = rng.choice(seen)[0]
            anchor_at = rng.randint(-1, len(seen) - 1)
            anchor = Placed(*seen[anchor_at]) if anchor_at >= 0 and seen[anchor_at][0] != moving else None
            start = anchor_at if anchor else 0
            following = [Placed(*kv) for kv in seen[start:]]
            before, after = move_bounds(anchor, following, moving)
            writes.append((moving, between(before, after)))
        if rng.random() < 0.5:
            writes.reverse()
        for moving, position in writes:
            ordered[moving] = position
        assert len(ordered) == 12


def test_the_mosaic_takes_the_first_four_covers_the_viewer_can_play() -> None:
    entries = [entry(f"s{n}", f"e{n}") for n in range(7)]
    audible = {f"s{n}": song(song_id=f"s{n}", cover_key=f"c{n}") for n in (0, 2, 3, 4, 5, 6)}
    audible["s2"] = replace(audible["s2"], cover_key=None)
    audible["s4"] = replace(audible["s4"], cover_key="c3")  # the same cover twice shows once
    assert cover_keys(entries, audible) == ["c0", "c3", "c5", "c6"]
    assert cover_keys(entries[:2], audible) == ["c0"]


def test_names_are_trimmed_and_required() -> None:
    assert clean_name("  Road   trip ") == "Road trip"
    with pytest.raises(ValidationFailed):
        clean_name("   ")
    assert clean_description("  ") is None and clean_description(" Summer ") == "Summer"


def test_only_the_creator_or_the_partner_it_is_shared_with_may_edit() -> None:
    playlist = PlaylistRecord("ana", "p1", "Ours", NOW, shared_rel="r1", shared_with="ben")
    assert Access("ana").allows(playlist)
    assert Access("ben", "r1").allows(playlist)
    assert not Access("ben", "r2").allows(playlist)
    assert not Access("cleo", "r1").allows(playlist)
    assert not Access("ben").allows(playlist)  # not the creator
    assert not Access("ben", "r1").allows(replace(playlist, shared_rel=None, shared_with=None))
    assert Access("ben", "r1").condition()[1] == {":access_rel": "r1", ":access_me": "ben"}


def test_entry_keys_order_by_position_and_find_a_songs_entries() -> None:
    short = keys.playlist_entry_index_key("p1", "V", "zzz")["gsi1sk"]
    longer = keys.playlist_entry_index_key("p1", "VV", "aaa")["gsi1sk"]
    assert short < longer  # "#" sorts below every position digit
    assert keys.playlist_entry("p1", "e1") == {"pk": "PLAYLIST#p1", "sk": "ENTRY#e1"}
    assert keys.playlist_song_index_key("s1", "p1", "e1") == {"gsi3pk": "PLAYLISTSONG#s1", "gsi3sk": "p1#e1"}
    assert keys.shared_playlist_tenant_key("r1", "ben", "p1") == {
        "gsi2pk": "REL#r1",
        "gsi2sk": "SHAREDPLAYLIST#ben#p1",
    }
    # "the entries from the start" reads gsi1sk BETWEEN " " AND "~": every position digit is inside
    assert all(" " < digit < keys.ENTRIES_END for digit in DIGITS)
