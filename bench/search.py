"""Music search benchmark: the local index (SQLite FTS5 trigram + rapidfuzz ranking) at 10,000
songs of one person, with and without typos.

Run it alone (it starts nothing: the index is a temp SQLite file in this process)::

    PYTHONPATH=$PWD .venv/bin/python -m bench.search --songs 10000

One person's library: ``--songs`` songs (titles of 1-4 words from a made-up vocabulary of
pronounceable words, a real-looking artist and album each) with their albums and artists, plus
as many songs of ``--others`` other people (noise the person's searches must skip). Then, for
``--queries`` songs picked at random, the search as the person types it: a prefix of the title
(3 letters, then a whole word and the start of the next), the whole title, the title with one
typo (a swap of two letters in its longest word), with two typos, and the artist with one
typo. Each query is timed around ``search_music`` (candidates and ranking; the API's BatchGet
of the hits is not included) and checked to find its song. Figures are printed, never asserted
(the issue's target, p95 ≤ 20 ms, beside them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from backend.search.index import MusicDocument
from backend.search.sqlite import SqliteSearchIndex

TARGET_P95_MS = 20.0
PERSON = "bench-person"


def vocabulary(rng: random.Random, size: int) -> list[str]:
    onsets = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r", "s", "st", "t"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
    codas = ["", "n", "r", "s", "t", "l", "nd", "st"]
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(1, 3)
        words.add("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(syllables)))
    return sorted(words)


def swap(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def one_typo(text: str, rng: random.Random) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = swap(words[longest], rng)
    return " ".join(words)


def two_typos(text: str, rng: random.Random) -> str:
    """Two swaps in the longest word when it has 6 letters or more (``AUTO`` allows two edits
    from 6 on), else one."""
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6:
        return one_typo(text, rng)
    half = len(word) // 2
    words[longest] = swap(word[:half], rng) + swap(word[half:], rng)
    return " ".join(words)


def build(index: SqliteSearchIndex, rng: random.Random, songs: int, others: int) -> list[tuple[str, str, str]]:
    words = vocabulary(rng, 3000)
    artists = [" ".join(rng.choice(words).title() for _ in range(rng.randint(1, 2))) for _ in range(songs // 12 + 1)]
    library: list[tuple[str, str, str]] = []
    for n in range(songs):
        title = " ".join(rng.choice(words).title() for _ in range(rng.randint(1, 4)))
        artist = rng.choice(artists)
        album = " ".join(rng.choice(words).title() for _ in range(rng.randint(1, 3)))
        library.append((f"s{n:05d}", title, artist))
        index.upsert_music(MusicDocument(PERSON, "song", f"s{n:05d}", title, f"{artist} {album}"))
        if n % 10 == 0:
            index.upsert_music(MusicDocument(PERSON, "album", f"a{n:05d}", album, artist))
    for artist in artists:
        index.upsert_music(MusicDocument(PERSON, "artist", artist.casefold(), artist, ""))
    for n in range(others):
        title = " ".join(rng.choice(words).title() for _ in range(rng.randint(1, 4)))
        index.upsert_music(MusicDocument(f"other-{n % 50}", "song", f"o{n:05d}", title, rng.choice(artists)))
    return library


def timed(index: SqliteSearchIndex, query: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    hits = index.search_music(PERSON, query, 8)
    return (time.perf_counter() - start) * 1000, [hit.item_id for hit in hits if hit.kind == "song"]


def report(name: str, times: list[float], found: str) -> None:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"{name:<24} n={len(times):4d}  p50 {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms  "
        f"max {times[-1]:6.2f} ms  found its song: {found:<9}  (target p95 <= {TARGET_P95_MS:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as directory:
        index = SqliteSearchIndex(str(Path(directory) / "search.sqlite3"))
        started = time.perf_counter()
        library = build(index, rng, args.songs, args.others)
        print(
            f"indexed {args.songs} songs (+ albums, artists) and {args.others} of others in "
            f"{time.perf_counter() - started:.1f} s"
        )
        picks = rng.sample(library, min(args.queries, len(library)))
        shapes: dict[str, Callable[[str, str], str]] = {
            "prefix (3 letters)": lambda title, artist: title[:3],
            "prefix (word + start)": lambda title, artist: (title + " " + artist)[: len(title.split()[0]) + 3],
            "whole title": lambda title, artist: title,
            "title, one typo": lambda title, artist: one_typo(title, rng),
            "title, two typos": lambda title, artist: two_typos(title, rng),
            "artist, one typo": lambda title, artist: one_typo(artist, rng),
        }
        timed(index, "warm up")
        for name, shape in shapes.items():
            times: list[float] = []
            found = 0
            for song_id, title, artist in picks:
                elapsed, songs = timed(index, shape(title, artist))
                times.append(elapsed)
                found += song_id in songs
            # a prefix or an artist matches many songs: only 8 come back, so "found" says little there
            report(name, times, f"{found}/{len(picks)}" if "title" in name else "-")
        index.close()


if __name__ == "__main__":
    main()
