"""The local stack's search index: an SQLite FTS5 file behind the ``SearchIndex`` protocol.

One row per moment in ``moment_documents`` (who owns it, which couple) and its words in
the FTS5 table ``moment_text`` under the same rowid. Queries join the two and filter by
relationship, so a couple only ever finds its own moments. What a person typed never
reaches MATCH as syntax: it is cut into words, each quoted as an FTS5 string, all of them
required, the last one also as a prefix.

Ranking: first by the fields the query hit (title 3, tags 2, description 1, summed), then
by BM25 with the same weights, then newest first. FTS5's BM25 alone normalises by the
length of the whole row, so a short moment matching only in its description could
outrank a long one matching in its title; the field sum keeps "title over description".

Music (issue 13) lives in the same file: ``music_documents`` (a person's songs, albums and
artists, their folded name and detail) and ``music_text``, an FTS5 **trigram** index of the
same folded texts. SQLite 3.40.1's trigram tokenizer has no ``remove_diacritics`` (3.45+), so
texts are folded before they are indexed (``keys.fold_text``) and the query is folded alike.
A search takes candidates sharing a trigram with the query's words (the best
:data:`MUSIC_CANDIDATES` by BM25; a word of up to 5 characters also by a ``LIKE`` on its
first letter (or all of it under 3), as one typo inside a short word can leave no trigram in common), always
of the one person, then ranks them with ``music_rank`` (typos, prefixes, best first).

One connection per index, shared by the API and the stream poller threads under a lock;
the file is in WAL mode with a busy timeout so another process may read it meanwhile.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from backend.search.index import MUSIC_KINDS, MomentDocument, MusicDocument, MusicHit, query_words
from backend.search.music_rank import MusicCandidate, rank, score
from backend.store.keys import fold_text

# Weights of the FTS5 columns, in their order: title, tags, description.
WEIGHTS = (3.0, 2.0, 1.0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS moment_documents (
    doc INTEGER PRIMARY KEY,
    relationship_id TEXT NOT NULL,
    moment_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (relationship_id, moment_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS moment_text USING fts5(
    title, tags, description,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
CREATE TABLE IF NOT EXISTS music_documents (
    doc INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE (person_id, kind, item_id)
);
CREATE INDEX IF NOT EXISTS music_documents_by_name ON music_documents (person_id, name);
CREATE VIRTUAL TABLE IF NOT EXISTS music_text USING fts5(name, detail, tokenize = 'trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS music_vocab USING fts5vocab(music_text, row);
"""

# How many candidates each source hands to the ranking (per search).
MUSIC_CANDIDATES = 150
# The rarest trigrams of each word that find candidates (all of a word's when it has no more).
RARE_PER_WORD = 3
# How long the trigrams' document counts are kept before being read again (they only choose
# which trigrams to ask for: a stale count costs time, never a result).
FREQUENCIES_TTL = 300.0
# Words up to this long (one typo allowed) also find candidates by their first letter.
SHORT_WORD = 5


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a person typed, or None when it holds no word at all.

    Words are letters and digits only, so quoting them cannot be escaped; FTS5 operators
    typed as words (``OR``, ``NEAR``) are just words inside quotes.
    """
    words = query_words(text)
    if not words:
        return None
    *whole, last = (f'"{word}"' for word in words)
    return " AND ".join([*whole, f"{last}*"])


def rare_trigrams(words: list[str], frequencies: dict[str, int]) -> list[str]:
    """The trigrams that find candidates: of each word, the :data:`RARE_PER_WORD` rarest among
    those the index holds, plus any it did not hold when counted (a document indexed since may
    have it; one the index still lacks costs nothing). The common ones (in thousands of
    documents) add time and little else: a document sharing only those is not the one meant."""
    chosen: set[str] = set()
    for word in words:
        trigrams = {word[i : i + 3] for i in range(len(word) - 2)}
        known = sorted((t for t in trigrams if t in frequencies), key=lambda t: (frequencies[t], t))
        chosen.update(t for t in trigrams if t not in frequencies)
        chosen.update(t for t in known[:RARE_PER_WORD] if frequencies[t] > 0)
    return sorted(chosen)


def exact_hit(text: str, ranked: dict[str, list[MusicCandidate]]) -> bool:
    """Whether some hit matches every word of ``text`` without an edit."""
    words = query_words(fold_text(text))
    return any((key := score(words, found)) is not None and key[1] == 0 for kind in ranked.values() for found in kind)


class SqliteSearchIndex:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._df: dict[str, int] | None = None
        self._df_read_at = 0.0

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db is None:
                self._db = self._open()
            yield self._db

    def _open(self) -> sqlite3.Connection:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(_SCHEMA)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def upsert(self, document: MomentDocument) -> None:
        with self._transaction() as db:
            (doc,) = db.execute(
                """
                INSERT INTO moment_documents (relationship_id, moment_id, owner_id, created_at)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (relationship_id, moment_id)
                DO UPDATE SET owner_id = excluded.owner_id, created_at = excluded.created_at
                RETURNING doc
                """,
                (document.relationship_id, document.moment_id, document.owner_id, document.created_at.isoformat()),
            ).fetchone()
            db.execute("DELETE FROM moment_text WHERE rowid = ?", (doc,))
            db.execute(
                "INSERT INTO moment_text (rowid, title, tags, description) VALUES (?, ?, ?, ?)",
                (doc, document.title, "\n".join(document.tags), document.description),
            )

    def remove(self, relationship_id: str, moment_id: str) -> None:
        with self._transaction() as db:
            row = db.execute(
                "DELETE FROM moment_documents WHERE relationship_id = ? AND moment_id = ? RETURNING doc",
                (relationship_id, moment_id),
            ).fetchone()
            if row is not None:
                db.execute("DELETE FROM moment_text WHERE rowid = ?", row)

    def remove_couple(self, relationship_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM moment_text WHERE rowid IN (SELECT doc FROM moment_documents WHERE relationship_id = ?)",
                (relationship_id,),
            )
            db.execute("DELETE FROM moment_documents WHERE relationship_id = ?", (relationship_id,))

    def search(self, relationship_id: str, text: str, limit: int) -> list[str]:
        expression = match_expression(text)
        if expression is None or limit < 1:
            return []
        with self._connection() as db:
            rows = db.execute(
                """
                SELECT d.moment_id
                FROM moment_text AS t JOIN moment_documents AS d ON d.doc = t.rowid
                WHERE moment_text MATCH ? AND d.relationship_id = ?
                ORDER BY
                    (highlight(moment_text, 0, '', char(1)) != t.title) * ?
                    + (highlight(moment_text, 1, '', char(1)) != t.tags) * ?
                    + (highlight(moment_text, 2, '', char(1)) != t.description) * ? DESC,
                    bm25(moment_text, ?, ?, ?),
                    d.moment_id DESC
                LIMIT ?
                """,
                (expression, relationship_id, *WEIGHTS, *WEIGHTS, limit),
            ).fetchall()
        return [moment_id for (moment_id,) in rows]

    # ------------------------------------------------------------ music

    def upsert_music(self, document: MusicDocument) -> None:
        name, detail = fold_text(document.name), fold_text(document.detail)
        with self._transaction() as db:
            (doc,) = db.execute(
                """
                INSERT INTO music_documents (person_id, kind, item_id, name, detail) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (person_id, kind, item_id) DO UPDATE SET name = excluded.name, detail = excluded.detail
                RETURNING doc
                """,
                (document.person_id, document.kind, document.item_id, name, detail),
            ).fetchone()
            db.execute("DELETE FROM music_text WHERE rowid = ?", (doc,))
            db.execute("INSERT INTO music_text (rowid, name, detail) VALUES (?, ?, ?)", (doc, name, detail))

    def remove_music(self, person_id: str, kind: str, item_id: str) -> None:
        with self._transaction() as db:
            row = db.execute(
                "DELETE FROM music_documents WHERE person_id = ? AND kind = ? AND item_id = ? RETURNING doc",
                (person_id, kind, item_id),
            ).fetchone()
            if row is not None:
                db.execute("DELETE FROM music_text WHERE rowid = ?", row)

    def search_music(self, person_id: str, text: str, limit: int) -> list[MusicHit]:
        words = query_words(fold_text(text))
        if not words or limit < 1:
            return []
        candidates: dict[int, MusicCandidate] = {}
        with self._connection() as db:
            rare = rare_trigrams(words, self._frequencies(db))
            if rare:
                candidates.update(self._sharing(db, person_id, rare))
            # A word under 3 characters has no trigram: it brings the names with a word starting
            # with it.
            for start in {word for word in words if len(word) < 3}:
                candidates.update(self._starting_with(db, person_id, start))
            ranked = rank(text, candidates.values(), limit)
            # Nothing ranked: the typos may have hit the rare trigrams; every trigram, then.
            every = sorted({word[i : i + 3] for word in words for i in range(len(word) - 2)})
            if not any(ranked.values()) and set(every) != set(rare):
                candidates.update(self._sharing(db, person_id, every, 2 * MUSIC_CANDIDATES))
                ranked = rank(text, candidates.values(), limit)
            # One typo inside a short word can leave no trigram in common ("jdue" and "jude"):
            # when little was found and nothing matched exactly, such words also bring the names
            # with a word starting with their first letter.
            starts = {word[0] for word in words if 3 <= len(word) <= SHORT_WORD}
            if starts and sum(len(found) for found in ranked.values()) < limit and not exact_hit(text, ranked):
                for start in starts:
                    candidates.update(self._starting_with(db, person_id, start))
                ranked = rank(text, candidates.values(), limit)
        return [MusicHit(found.kind, found.item_id) for kind in MUSIC_KINDS for found in ranked.get(kind, [])]

    def _frequencies(self, db: sqlite3.Connection) -> dict[str, int]:
        """How many documents hold each trigram (all people's; only to choose the rare ones),
        read from the FTS5 vocabulary and kept for :data:`FREQUENCIES_TTL` seconds."""
        now = time.monotonic()
        if self._df is None or now - self._df_read_at > FREQUENCIES_TTL:
            self._df = dict(db.execute("SELECT term, doc FROM music_vocab"))
            self._df_read_at = now
        return self._df

    @staticmethod
    def _sharing(
        db: sqlite3.Connection, person_id: str, trigrams: list[str], limit: int = MUSIC_CANDIDATES
    ) -> dict[int, MusicCandidate]:
        expression = " OR ".join(f'"{trigram}"' for trigram in trigrams)
        rows = db.execute(
            """
            SELECT d.doc, d.kind, d.item_id, d.name, d.detail
            FROM music_text AS t JOIN music_documents AS d ON d.doc = t.rowid
            WHERE music_text MATCH ? AND d.person_id = ?
            ORDER BY bm25(music_text, 2.0, 1.0)
            LIMIT ?
            """,
            (expression, person_id, limit),
        ).fetchall()
        return {row[0]: MusicCandidate(*row[1:]) for row in rows}

    @staticmethod
    def _starting_with(db: sqlite3.Connection, person_id: str, start: str) -> dict[int, MusicCandidate]:
        rows = db.execute(
            """
            SELECT doc, kind, item_id, name, detail FROM music_documents
            WHERE person_id = ? AND (name LIKE ? || '%' OR name LIKE '% ' || ? || '%'
                OR detail LIKE ? || '%' OR detail LIKE '% ' || ? || '%')
            ORDER BY name
            LIMIT ?
            """,
            (person_id, start, start, start, start, MUSIC_CANDIDATES),
        ).fetchall()
        return {row[0]: MusicCandidate(*row[1:]) for row in rows}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def copy(self) -> bytes:
        """The whole index as one consistent database image (the local stack's snapshot keeps it)."""
        with self._connection() as db:
            target = sqlite3.connect(":memory:")
            try:
                db.backup(target)
                return target.serialize()
            finally:
                target.close()


def restore_copy(path: str, image: bytes) -> None:
    """Make the index file at ``path`` what ``copy()`` returned (nothing may have it open)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    for stale in (f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        if os.path.exists(stale):
            os.remove(stale)
    temp = f"{path}.restoring"
    with open(temp, "wb") as handle:
        handle.write(image)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
