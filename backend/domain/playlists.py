"""Playlists: a person's own, optionally shared with their partner, who then adds, removes and
reorders too. (Design and rules: ``docs/playlists.md``.)

A playlist belongs to its creator. Access is decided here, always on the **original** against
the caller's current couple: the creator, or the partner it is shared with now; anyone else
gets a 404 exactly like a playlist that does not exist. Only the creator renames, describes,
shares or deletes (403 for the partner). Entries say whether the caller can play their song
now (``available``); a song that cannot be played is shown, not dropped. Each change is told
live: on the couple's ``playlists`` topic while shared, else on the creator's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from backend import contracts
from backend.contracts import PLAYLIST_COVER_SONGS, PLAYLIST_MAX, PlaylistChange, PlaylistChangedMessage
from backend.domain import music, positions
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.models import Caller, UserProfile
from backend.media import urls
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic, user_topic
from backend.settings import get_settings
from backend.store import keys, records, relationships, table, users
from backend.store import music as song_store
from backend.store import playlists as store
from backend.store.music import SongRecord
from backend.store.playlists import Access, EntryRecord, PlaylistRecord

PAGE_DEFAULT = contracts.PLAYLISTS_PAGE_DEFAULT
PAGE_MAX = contracts.PLAYLISTS_PAGE_MAX
ENTRIES_PAGE_DEFAULT = contracts.PLAYLIST_ENTRIES_PAGE_DEFAULT
ENTRIES_PAGE_MAX = contracts.PLAYLIST_ENTRIES_PAGE_MAX
# Entries put per transaction: one update of the playlist plus these puts.
ADD_CHUNK = 24
# How many entries a move looks at after its anchor to step over ties (two edits at once).
TIE_LOOKAHEAD = 25
# How many first entries the cover mosaic looks into for songs with a cover.
COVER_LOOKAHEAD = 20


def _missing() -> NotFound:
    return NotFound("We could not find that playlist.")


# ---------------------------------------------------------------- pure rules


def can_hear(person_id: str, relationship_id: str | None, song: SongRecord | None) -> bool:
    """Whether a person can play a song now: it exists and is ready, and it is theirs, or their
    partner's shared with them in the couple they are in now."""
    if song is None or song.is_copy or song.status != "ready":
        return False
    if song.owner_id == person_id:
        return True
    return (
        song.visibility == "partner"
        and relationship_id is not None
        and song.shared_rel == relationship_id
        and song.shared_with == person_id
    )


@dataclass(frozen=True)
class Placed:
    entry_id: str
    position: str


def move_bounds(anchor: Placed | None, following: Sequence[Placed], moving_id: str) -> tuple[str | None, str | None]:
    """The positions a moved entry goes between: right after ``anchor`` (None: the start) and
    before the first of ``following`` (the entries from the anchor on, in order) that is neither
    the anchor, the moving entry, nor tied with the anchor (equal positions come from two edits
    at once; the moved entry goes after the whole tie, so ``between`` always has room)."""
    before = anchor.position if anchor else None
    for entry in following:
        if entry.entry_id == moving_id or (anchor and entry.entry_id == anchor.entry_id):
            continue
        if before is None or entry.position > before:
            return before, entry.position
    return before, None


def cover_keys(entries: Sequence[EntryRecord], audible: dict[str, SongRecord]) -> list[str]:
    """The mosaic: the covers of the first songs the viewer can play that have one, in order,
    each song once, up to four."""
    found: list[str] = []
    for entry in entries:
        song = audible.get(entry.song_id)
        if song is None or not song.cover_key or song.cover_key in found:
            continue
        found.append(song.cover_key)
        if len(found) == PLAYLIST_COVER_SONGS:
            break
    return found


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed({"name": "Give the playlist a name."})
    return name


def clean_description(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


# ---------------------------------------------------------------- access


@dataclass(frozen=True)
class Opened:
    me: UserProfile
    playlist: PlaylistRecord  # always the original
    access: Access

    @property
    def mine(self) -> bool:
        return self.access.partner_rel is None


def _open(caller: Caller, playlist_id: str) -> Opened:
    """The playlist as the caller may use it: their own, or their partner's shared with them now
    (checked on the original); anything else is a 404."""
    me = users.require(caller.user_id)
    listed = store.get(me.user_id, playlist_id)
    if listed is None:
        raise _missing()
    if not listed.is_copy:
        return Opened(me, listed, Access(me.user_id))
    original = store.get(listed.owner_id, playlist_id)
    access = Access(me.user_id, me.relationship_id)
    if original is None or original.is_copy or me.relationship_id is None or not access.allows(original):
        raise _missing()
    return Opened(me, original, access)


def own(caller: Caller, playlist_id: str) -> Opened:
    opened = _open(caller, playlist_id)
    if not opened.mine:
        raise Forbidden("Only the person who made this playlist can change or delete it.")
    return opened


def _partner_of(me: UserProfile) -> tuple[str, str]:
    """(partner id, relationship id) of the caller's couple, or 409 ``not_paired``."""
    relationship = relationships.get_relationship(me.relationship_id) if me.relationship_id else None
    partner = next((pid for pid in relationship.partner_ids if pid != me.user_id), None) if relationship else None
    if relationship is None or partner is None:
        raise Conflict("You need a partner to share playlists.", code="not_paired")
    return partner, relationship.relationship_id


# ---------------------------------------------------------------- views and live messages


def view(
    playlist: PlaylistRecord,
    viewer_id: str,
    cover_urls: list[str] | None = None,
    signed: dict[str, str] | None = None,
) -> contracts.Playlist:
    """The playlist as the API shows it; its uploaded cover signed (from ``signed`` when a list
    signed them together)."""
    if playlist.cover_key and signed is not None:
        cover_url = signed.get(playlist.cover_key)
    else:
        cover_url = urls.signed_url(playlist.cover_key)
    return contracts.Playlist(
        playlist_id=playlist.playlist_id,
        owner_id=playlist.owner_id,
        mine=playlist.owner_id == viewer_id,
        name=playlist.name,
        description=playlist.description,
        shared=bool(playlist.shared_rel),
        entry_count=max(0, playlist.entry_count),
        created_at=playlist.created_at,
        updated_at=playlist.updated_at,
        cover_url=cover_url,
        cover_urls=cover_urls or [],
    )


def _audible(me: UserProfile, entries: Sequence[EntryRecord]) -> dict[str, SongRecord]:
    """The entries' songs the viewer can play now, read from the originals (one BatchGet)."""
    wanted = {(entry.song_owner_id, entry.song_id) for entry in entries}
    found = table.batch_get([keys.song(owner, song_id) for owner, song_id in wanted])
    songs = (song_store.song_from(item) for item in found if item.get("type") == song_store.SONG)
    return {song.song_id: song for song in songs if can_hear(me.user_id, me.relationship_id, song)}


def _entry_views(me: UserProfile, entries: Sequence[EntryRecord]) -> list[contracts.PlaylistEntry]:
    audible = _audible(me, entries)
    songs = {song.song_id: song for song in music.views(list(audible.values()), me.user_id)}
    items = []
    for entry in entries:
        song = songs.get(entry.song_id)
        items.append(
            contracts.PlaylistEntry(
                entry_id=entry.entry_id,
                song_id=entry.song_id,
                available=song is not None,
                title=song.title if song else entry.title,
                artist=song.artist if song else entry.artist,
                duration_seconds=song.duration_seconds if song else entry.duration_seconds,
                added_by=entry.added_by,
                added_at=entry.added_at,
                song=song,
            )
        )
    return items


def publish(
    playlist: PlaylistRecord,
    change: PlaylistChange,
    by_user_id: str,
    *,
    moved: contracts.PlaylistMoved | None = None,
    removed_entry_id: str | None = None,
) -> None:
    """Tell open screens (a courtesy: they re-read from the API; a move or a removal names its
    entry, so a page shows it before its re-read): the couple while shared, else the creator's
    own devices."""
    stage = get_settings().stage
    topic = (
        couple_topic(stage, playlist.shared_rel, Channel.PLAYLISTS)
        if playlist.shared_rel
        else user_topic(stage, playlist.owner_id, Channel.PLAYLISTS)
    )
    message = PlaylistChangedMessage(
        playlist_id=playlist.playlist_id,
        change=change,
        by_user_id=by_user_id,
        moved=moved,
        removed_entry_id=removed_entry_id,
    )
    try_publish(topic, message)


# ---------------------------------------------------------------- playlists


@dataclass(frozen=True)
class PlaylistList:
    items: list[contracts.Playlist]
    next_token: str | None


def playlists(caller: Caller, limit: int | None, next_token: str | None) -> PlaylistList:
    """My playlists and those my partner shares with me now, newest first (copies are checked on
    their originals, read in one BatchGet; a copy from a couple that split is not shown)."""
    me = users.require(caller.user_id)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    found, token = store.page(me.user_id, size, next_token)
    originals = store.originals([item for item in found if item.is_copy])
    listed: list[PlaylistRecord] = []
    partner = Access(me.user_id, me.relationship_id)
    for item in found:
        if not item.is_copy:
            listed.append(item)
        elif me.relationship_id and (original := originals.get(item.playlist_id)) and partner.allows(original):
            listed.append(original)
    signed = urls.signed_urls(item.cover_key for item in listed)
    shown = [view(item, me.user_id, signed=signed) for item in listed]
    return PlaylistList(shown, token)


def create(caller: Caller, body: contracts.PlaylistCreate) -> contracts.Playlist:
    me = users.require(caller.user_id)
    playlist_id, at = records.time_ordered_id()
    partner = _partner_of(me) if body.shared else None
    playlist = PlaylistRecord(
        owner_id=me.user_id,
        playlist_id=playlist_id,
        name=clean_name(body.name),
        description=clean_description(body.description),
        created_at=at,
        updated_at=at,
        shared_rel=partner[1] if partner else None,
        shared_with=partner[0] if partner else None,
    )
    store.create(playlist, partner[0] if partner else None)
    publish(playlist, "created", me.user_id)
    return view(playlist, me.user_id)


def get_one(caller: Caller, playlist_id: str) -> contracts.Playlist:
    """One playlist with its uploaded cover, or else its cover mosaic (the first songs I can play
    that have a cover)."""
    opened = _open(caller, playlist_id)
    if opened.playlist.cover_key:  # an uploaded cover: no mosaic needed
        return view(opened.playlist, opened.me.user_id)
    first = store.entries_from(playlist_id, None, COVER_LOOKAHEAD)
    covers = cover_keys(first, _audible(opened.me, first))
    signed = urls.signed_urls(covers)
    return view(opened.playlist, opened.me.user_id, [signed[key] for key in covers if key in signed])


def update(caller: Caller, playlist_id: str, changes: dict[str, Any]) -> contracts.Playlist:
    """The creator renames, describes, shares or makes personal again (only what was sent)."""
    opened = own(caller, playlist_id)
    seen = opened.playlist
    changed = seen
    if changes.get("name") is not None:
        changed = replace(changed, name=clean_name(changes["name"]))
    if "description" in changes:
        changed = replace(changed, description=clean_description(changes["description"]))
    share_with: tuple[str, str] | None = None
    change: PlaylistChange = "updated"
    if changes.get("shared") is True and not seen.shared_rel:
        share_with = _partner_of(opened.me)
        changed = replace(changed, shared_rel=share_with[1], shared_with=share_with[0])
        change = "shared"
    elif changes.get("shared") is False and seen.shared_rel:
        changed = replace(changed, shared_rel=None, shared_with=None)
        change = "unshared"
    at = records.now()
    store.update(seen, changed, at, share_with)
    changed = replace(changed, updated_at=at)
    publish(seen if change == "unshared" else changed, change, opened.me.user_id)
    return view(changed, opened.me.user_id)


def delete(caller: Caller, playlist_id: str) -> None:
    """The creator deletes a playlist (and the partner's copy); its entries go on the stream."""
    opened = own(caller, playlist_id)
    if not store.delete(opened.playlist):
        raise _missing()
    publish(opened.playlist, "deleted", opened.me.user_id)


# ---------------------------------------------------------------- entries


@dataclass(frozen=True)
class EntryList:
    items: list[contracts.PlaylistEntry]
    next_token: str | None


def entries(caller: Caller, playlist_id: str, limit: int | None, next_token: str | None) -> EntryList:
    """A page of the playlist in order, each entry saying whether I can play its song now."""
    opened = _open(caller, playlist_id)
    size = min(max(1, limit or ENTRIES_PAGE_DEFAULT), ENTRIES_PAGE_MAX)
    found, token = store.entries_page(playlist_id, size, next_token)
    return EntryList(_entry_views(opened.me, found), token)


def play(caller: Caller, playlist_id: str) -> contracts.PlaylistPlay:
    """Play all: the songs I can play, in playlist order (the app queues them)."""
    opened = _open(caller, playlist_id)
    everything = store.all_entries(playlist_id)
    audible = _audible(opened.me, everything)
    return contracts.PlaylistPlay(song_ids=[entry.song_id for entry in everything if entry.song_id in audible])


def add(caller: Caller, playlist_id: str, song_ids: list[str]) -> EntryList:
    """Add songs the caller can hear (ready) at the end, in the order given: new items only, so
    adds by both partners at once never overwrite each other."""
    opened = _open(caller, playlist_id)
    songs: list[SongRecord] = []
    for song_id in song_ids:
        song = music.readable(caller, song_id)  # a 404 for a song the caller cannot hear
        if song.status != "ready":
            raise Conflict("A song can be added once it is ready to play.", code="song_not_ready")
        songs.append(song)
    if opened.playlist.entry_count + len(songs) > PLAYLIST_MAX:
        raise Conflict(f"A playlist can hold up to {PLAYLIST_MAX} songs.", code="playlist_full")
    places = positions.spread(store.last_position(playlist_id), None, len(songs))
    at = records.now()
    new = [
        EntryRecord(
            playlist_owner_id=opened.playlist.owner_id,
            playlist_id=playlist_id,
            entry_id=records.time_ordered_id(at)[0],
            song_id=song.song_id,
            song_owner_id=song.owner_id,
            position=place,
            added_by=opened.me.user_id,
            added_at=at,
            title=song.title,
            artist=song.artist,
            duration_seconds=song.duration_seconds,
        )
        for song, place in zip(songs, places, strict=True)
    ]
    for start in range(0, len(new), ADD_CHUNK):
        store.add(
            opened.playlist.owner_id, playlist_id, opened.access, new[start : start + ADD_CHUNK], PLAYLIST_MAX, at
        )
    publish(opened.playlist, "entries", opened.me.user_id)
    return EntryList(_entry_views(opened.me, new), None)


def move(caller: Caller, playlist_id: str, entry_id: str, after_entry_id: str | None) -> contracts.PlaylistEntry:
    """Move an entry right after another (None: to the start): one write. A move racing the
    entry's removal fails (404) and brings nothing back; a move racing another move keeps both."""
    opened = _open(caller, playlist_id)
    moving = store.get_entry(playlist_id, entry_id)
    if moving is None:
        raise NotFound("That is not in this playlist.")
    anchor: EntryRecord | None = None
    if after_entry_id is not None:
        anchor = store.get_entry(playlist_id, after_entry_id) if after_entry_id != entry_id else None
        if anchor is None:
            raise ValidationFailed({"after_entry_id": "That is not in this playlist."})
    following = store.entries_from(playlist_id, anchor, TIE_LOOKAHEAD)
    placed = [Placed(entry.entry_id, entry.position) for entry in following]
    before, after = move_bounds(Placed(anchor.entry_id, anchor.position) if anchor else None, placed, entry_id)
    if after is None and len(following) == TIE_LOOKAHEAD:  # a long tie: look at everything after it
        placed = [Placed(e.entry_id, e.position) for e in store.entries_from(playlist_id, anchor, PLAYLIST_MAX + 1)]
        before, after = move_bounds(Placed(anchor.entry_id, anchor.position) if anchor else None, placed, entry_id)
    position = positions.between(before, after)
    if not store.move(opened.playlist.owner_id, playlist_id, opened.access, entry_id, position):
        raise NotFound("That is not in this playlist.")
    moved = contracts.PlaylistMoved(entry_id=entry_id, after_entry_id=anchor.entry_id if anchor else None)
    publish(opened.playlist, "entries", opened.me.user_id, moved=moved)
    return _entry_views(opened.me, [replace(moving, position=position)])[0]


def remove(caller: Caller, playlist_id: str, entry_id: str) -> None:
    opened = _open(caller, playlist_id)
    if not store.remove(opened.playlist.owner_id, playlist_id, entry_id, opened.access, records.now()):
        raise NotFound("That is not in this playlist.")
    publish(opened.playlist, "entries", opened.me.user_id, removed_entry_id=entry_id)


# ---------------------------------------------------------------- what the stream keeps true


def keep_what_the_creator_can_play(owner_id: str, playlist_id: str) -> int:
    """After a split: take out the entries whose songs the creator can no longer play (their
    ex-partner's). Idempotent: each removal is conditioned on the entry still being there."""
    owner = users.get(owner_id)
    if owner is None or store.get(owner_id, playlist_id) is None:
        return 0
    everything = store.all_entries(playlist_id)
    audible = _audible(owner, everything)
    removed = 0
    for entry in everything:
        if entry.song_id not in audible and store.remove(owner_id, playlist_id, entry.entry_id, None, None):
            removed += 1
    return removed
