"""Music search: the ranking rules (prefixes, one or two typos, accents, best first), the local
SQLite trigram index that finds a person's songs, albums and artists and nobody else's, and the
OpenSearch query body (``fuzziness: AUTO``), faked at the HTTP boundary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.credentials import Credentials

from backend.search.index import MusicDocument, MusicHit
from backend.search.music_rank import MusicCandidate, allowed_edits, rank, word_edits
from backend.search.opensearch import OpenSearchMusicIndex, music_search_body
from backend.search.sqlite import RARE_PER_WORD, SqliteSearchIndex, rare_trigrams
from backend.store.keys import fold_text
from tests.unit.test_search_opensearch import FakeDomain, Seen

ANA, BEN = "ana", "ben"


def candidate(name: str, detail: str = "", kind: str = "song", item_id: str | None = None) -> MusicCandidate:
    return MusicCandidate(kind, item_id or name, fold_text(name), fold_text(detail))


def names(text: str, *candidates: MusicCandidate, kind: str = "song") -> list[str]:
    return [found.item_id for found in rank(text, candidates, 10).get(kind, [])]


def test_edits_allowed_grow_with_the_word_like_opensearch_auto() -> None:
    assert [allowed_edits("x" * n) for n in (1, 2, 3, 5, 6, 12)] == [0, 0, 1, 1, 2, 2]
    assert word_edits("beatels", "beatles", prefix=False) == 1  # a swap is one edit
    assert word_edits("batles", "beatles", prefix=False) == 1
    assert word_edits("beetlse", "beatles", prefix=False) == 2
    assert word_edits("bxxtlxs", "beatles", prefix=False) is None
    assert word_edits("bea", "beatles", prefix=True) == 0
    assert word_edits("bea", "beatles", prefix=False) is None
    assert word_edits("beatl", "beatles", prefix=True) == 0
    assert word_edits("baetl", "beatles", prefix=True) == 1  # an unfinished word with a swap
    assert word_edits("ab", "ac", prefix=False) is None  # two letters: no typo allowed


def test_typos_prefixes_and_accents_find_the_song() -> None:
    beatles = candidate("Let It Be", "The Beatles Let It Be", item_id="let-it-be")
    beyonce = candidate("Halo", "Beyoncé I Am", item_id="halo")
    cafe = candidate("Café del Mar", "Energy 52", item_id="cafe")
    others = [candidate("Yesterday", "Someone Else", item_id="yesterday"), beatles, beyonce, cafe]
    assert names("beatels", *others) == ["let-it-be"]
    assert names("beatles", *others) == ["let-it-be"]
    assert names("let it", *others) == ["let-it-be"]
    assert names("lte it be", *others) == ["let-it-be"]  # a swap in a 3-letter word: one edit allowed
    assert names("ti be", *others) == []  # a 2-letter word allows none
    assert names("beyonce", *others) == ["halo"]
    assert names("BEYONCÉ", *others) == ["halo"]
    assert names("cafe del", *others) == ["cafe"]
    assert names("café", *others) == ["cafe"]
    assert names("xyzzy", *others) == []


def test_best_match_first() -> None:
    found = names(
        "love",
        candidate("Glove Box", item_id="glove"),  # one edit away, and a longer name
        candidate("Crazy in Love", item_id="crazy"),  # a word of the name
        candidate("Love Me Do", item_id="love-me-do"),  # the name starts with it
        candidate("Song", "Lovely Artist", item_id="by-artist"),  # only the artist, as a prefix
        candidate("Lobe", item_id="typo"),  # one edit away
        candidate("Love", item_id="love"),  # the name starts with it and is shorter
    )
    assert found == ["love", "love-me-do", "crazy", "by-artist", "typo", "glove"]


def test_kinds_are_ranked_and_limited_separately() -> None:
    many = [candidate(f"Beat {n}", item_id=f"s{n}") for n in range(30)]
    ranked = rank("beat", [*many, candidate("The Beatles", kind="artist", item_id="beatles")], 5)
    assert len(ranked["song"]) == 5 and [found.item_id for found in ranked["artist"]] == ["beatles"]


# ---------------------------------------------------------------- the local index


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteSearchIndex]:
    found = SqliteSearchIndex(str(tmp_path / "search.sqlite3"))
    yield found
    found.close()


def document(person: str, kind: str, item_id: str, name: str, detail: str = "") -> MusicDocument:
    return MusicDocument(person_id=person, kind=kind, item_id=item_id, name=name, detail=detail)


def test_the_local_index_finds_prefixes_typos_and_accents_of_one_person(index: SqliteSearchIndex) -> None:
    index.upsert_music(document(ANA, "song", "s1", "Let It Be", "The Beatles Let It Be"))
    index.upsert_music(document(ANA, "song", "s2", "Déjà Vu", "Beyoncé B'Day"))
    index.upsert_music(document(ANA, "artist", "the beatles", "The Beatles"))
    index.upsert_music(document(ANA, "album", "let it be#the beatles", "Let It Be", "The Beatles"))
    index.upsert_music(document(BEN, "song", "s9", "Secret Beatles Demo", "Ben"))  # Ben's private song
    assert index.search_music(ANA, "beatels", 10) == [
        MusicHit("song", "s1"),
        MusicHit("album", "let it be#the beatles"),
        MusicHit("artist", "the beatles"),
    ]
    assert MusicHit("song", "s1") in index.search_music(ANA, "bea", 10)
    assert index.search_music(ANA, "deja vu", 10) == [MusicHit("song", "s2")]
    assert index.search_music(ANA, "beyonce", 10) == [MusicHit("song", "s2")]
    assert index.search_music(ANA, "dé", 10) == [MusicHit("song", "s2")]  # shorter than a trigram
    assert index.search_music(ANA, "secret", 10) == []  # never another person's song
    assert index.search_music(BEN, "beatels", 10) == [MusicHit("song", "s9")]
    assert index.search_music(ANA, "  \"*'", 10) == []


def test_the_local_index_updates_and_forgets(index: SqliteSearchIndex) -> None:
    index.upsert_music(document(ANA, "song", "s1", "Old Title"))
    index.upsert_music(document(ANA, "song", "s1", "New Title"))
    index.upsert_music(document(ANA, "song", "s1", "New Title"))  # a replay
    assert index.search_music(ANA, "old", 10) == []
    assert index.search_music(ANA, "new", 10) == [MusicHit("song", "s1")]
    index.remove_music(ANA, "song", "s1")
    index.remove_music(ANA, "song", "s1")  # again: nothing happens
    assert index.search_music(ANA, "new", 10) == []


# ---------------------------------------------------------------- OpenSearch


def test_the_opensearch_query_is_fuzzy_filtered_by_person_and_prefix_on_the_last_word() -> None:
    body = music_search_body(ANA, ["the", "beatels"], "song", 10)
    assert body["size"] == 10
    assert body["query"]["bool"]["filter"] == [{"term": {"person_id": ANA}}, {"term": {"kind": "song"}}]
    must = body["query"]["bool"]["must"]
    assert must[0] == {"multi_match": {"query": "the", "fields": ["name^3", "detail"], "fuzziness": "AUTO"}}
    last = must[1]["bool"]["should"]
    assert {"multi_match": {"query": "beatels", "fields": ["name^3", "detail"], "fuzziness": "AUTO"}} in last
    assert {"multi_match": {"query": "beatels", "fields": ["name^3", "detail"], "type": "bool_prefix"}} in last
    assert must[1]["bool"]["minimum_should_match"] == 1
    assert body["query"]["bool"]["should"][0]["match_phrase_prefix"]["name"]["query"] == "the beatels"


def test_the_opensearch_adapter_searches_every_kind_routed_by_person() -> None:
    def reply(request: Seen) -> tuple[int, dict]:
        hit = {"hits": {"hits": [{"_id": "x", "_source": {"kind": "song", "item_id": "s1"}}]}}
        empty = {"hits": {"hits": []}}
        return 200, {"responses": [hit, empty, {"error": {"type": "x"}, "status": 404}]}

    domain = FakeDomain(reply)
    index = OpenSearchMusicIndex(
        "search-test.us-east-1.es.amazonaws.com",
        "lumi-moments-music",
        "us-east-1",
        credentials=Credentials("AKIDEXAMPLE", "secret"),
        adapter=domain,
    )
    assert index.search_music(ANA, "Beatels", 5) == [MusicHit("song", "s1")]
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("POST", "/lumi-moments-music/_msearch")
    assert request.content.endswith(b"\n")  # newline-delimited JSON, a header line before each search
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256")
    assert "/us-east-1/es/aws4_request" in request.headers["authorization"]
    lines = [json.loads(line) for line in request.content.decode().splitlines()]
    assert lines[0] == {"routing": ANA} and lines[1]["query"]["bool"]["filter"][1] == {"term": {"kind": "song"}}
    kinds = [line["query"]["bool"]["filter"][1]["term"]["kind"] for line in lines[1::2]]
    assert kinds == ["song", "album", "artist", "playlist"]


def test_a_typo_inside_a_short_word_still_finds_it(index: SqliteSearchIndex) -> None:
    # "hye jdue" shares no trigram with "hey jude": the first letters bring it to the ranking
    index.upsert_music(document(ANA, "song", "s1", "Hey Jude", "The Beatles"))
    index.upsert_music(document(ANA, "song", "s2", "Help", "The Beatles"))
    assert index.search_music(ANA, "hye jdue", 10) == [MusicHit("song", "s1")]
    assert index.search_music(ANA, "hlep", 10) == [MusicHit("song", "s2")]


def test_the_stream_indexes_ready_songs_under_the_person_whose_library_holds_them() -> None:
    from backend.streams.music_search import song_document

    song = {"type": "Song", "owner_id": ANA, "song_id": "s1", "status": "ready", "title": "Hey Jude"}
    song |= {"artist": "The Beatles", "album": "Past Masters"}
    assert song_document(song) == MusicDocument(ANA, "song", "s1", "Hey Jude", "The Beatles Past Masters")
    copy = {**song, "type": "SharedSong", "shared_with": BEN}
    assert song_document(copy) == MusicDocument(BEN, "song", "s1", "Hey Jude", "The Beatles Past Masters")
    assert song_document({**song, "status": "processing"}) is None


def test_the_stream_indexes_playlists_in_the_list_of_whoever_holds_them() -> None:
    from backend.streams.music_search import playlist_document

    playlist = {"type": "Playlist", "owner_id": ANA, "playlist_id": "p1", "name": "Road Trip"}
    assert playlist_document(playlist) == MusicDocument(ANA, "playlist", "p1", "Road Trip", "")
    copy = {**playlist, "type": "SharedPlaylist", "shared_with": BEN, "shared_rel": "r1"}
    assert playlist_document(copy) == MusicDocument(BEN, "playlist", "p1", "Road Trip", "")
    assert playlist_document({**playlist, "type": "PlaylistEntry"}) is None


def test_candidates_come_from_the_rarest_trigrams_of_each_word() -> None:
    counts = {"bea": 900, "eat": 800, "atl": 5, "tle": 700, "les": 950, "jud": 3, "ude": 40, "zzz": 0}
    # "beatles": its 3 rarest of those the index holds; "jude": both; "zzz" is in no document
    # any more; "xle" was not there when counted (a document indexed since may hold it)
    assert RARE_PER_WORD == 3
    assert rare_trigrams(["beatles", "jude", "zzz"], counts) == ["atl", "eat", "jud", "tle", "ude"]
    assert rare_trigrams(["axle"], counts) == ["axl", "xle"]


def test_when_the_rare_trigrams_miss_every_trigram_finds_the_song(index: SqliteSearchIndex) -> None:
    # given many songs sharing the common trigrams of "beatles" and one that is the Beatles'
    for n in range(40):
        index.upsert_music(document(ANA, "song", f"n{n}", f"Beat {n}", "Tlesburg"))
    index.upsert_music(document(ANA, "song", "s1", "Yesterday", "The Beatles"))
    # a swap in "beatles" makes rare trigrams ("bae", "aet", "etl") that an unrelated song holds:
    # the rare pass finds only that one, nothing ranks, and every trigram is asked for
    index.upsert_music(document(ANA, "song", "x1", "Maet Bael Wetl", "Someone"))
    assert index.search_music(ANA, "baetles", 10) == [MusicHit("song", "s1")]
    # and a word the index holds exactly needs no second pass to be found
    assert index.search_music(ANA, "yesterday", 10) == [MusicHit("song", "s1")]


def test_a_short_word_typo_is_looked_for_by_first_letter_only_without_an_exact_hit(
    index: SqliteSearchIndex,
) -> None:
    index.upsert_music(document(ANA, "song", "s1", "Help", "The Beatles"))
    index.upsert_music(document(ANA, "song", "s2", "Hlep", "Someone"))  # "hlep" exactly
    # an exact hit: what was typed is what was meant, "Help" (no trigram in common) is not
    # looked for
    assert index.search_music(ANA, "hlep", 10) == [MusicHit("song", "s2")]
    # no exact hit: the first letter brings "Help" (one swap from "hepl", no trigram in common)
    assert index.search_music(ANA, "hepl", 10) == [MusicHit("song", "s1")]
