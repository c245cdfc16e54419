"""What a search index of the couple's moments must do, whatever engine is behind it.

The stream handler keeps the index in step with the table (upsert on insert/modify, remove
on delete, remove a whole couple when the relationship goes); the API only asks it for
moment ids, best first, and reads the moments themselves from the table. Every call names
the relationship, so no adapter can answer with another couple's moments.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# More words than this add nothing but cost; the rest of a long query is ignored.
MAX_QUERY_WORDS = 16

# Letters and digits of any script; everything else (punctuation, quotes, operators,
# emoji, underscores) separates words, as the FTS5 unicode61 tokenizer does.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class MomentDocument:
    """The searchable part of a moment."""

    moment_id: str
    relationship_id: str
    owner_id: str
    title: str
    description: str
    tags: tuple[str, ...]
    created_at: datetime


class SearchIndex(Protocol):
    def upsert(self, document: MomentDocument) -> None:
        """Add the moment, or replace what the index holds for it (safe to repeat)."""

    def remove(self, relationship_id: str, moment_id: str) -> None:
        """Forget one moment (nothing happens if it is not there)."""

    def remove_couple(self, relationship_id: str) -> None:
        """Forget every moment of a couple."""

    def search(self, relationship_id: str, text: str, limit: int) -> list[str]:
        """Ids of the couple's moments matching every word of ``text``, best first; the
        last word may be unfinished ("beac" finds "beach")."""


def query_words(text: str) -> list[str]:
    """The words of what a person typed: never operators, quotes or other syntax."""
    return _WORD.findall(unicodedata.normalize("NFC", text))[:MAX_QUERY_WORDS]


# ---------------------------------------------------------------- music (issue 13)

# What the music index holds: a person's songs, albums, artists and playlists (theirs and the
# copies of those shared with them), answered in this order.
MUSIC_KINDS = ("song", "album", "artist", "playlist")


@dataclass(frozen=True)
class MusicDocument:
    """One searchable thing of a person's library: a song of theirs or shared with them, an
    album or an artist of their library. Every document names its person, and every search
    names the person it is for: nobody finds another person's things."""

    person_id: str
    kind: str
    item_id: str
    name: str
    detail: str  # a song's artist and album, an album's artist


@dataclass(frozen=True)
class MusicHit:
    kind: str
    item_id: str


class MusicSearchIndex(Protocol):
    def upsert_music(self, document: MusicDocument) -> None:
        """Add the document, or replace what the index holds for it (safe to repeat)."""

    def remove_music(self, person_id: str, kind: str, item_id: str) -> None:
        """Forget one document (nothing happens if it is not there)."""

    def search_music(self, person_id: str, text: str, limit: int) -> list[MusicHit]:
        """The person's documents matching ``text`` as it is typed (prefix of the last word, one
        or two typos, no case or accents), best first, at most ``limit`` of each kind."""
