"""How the local music index ranks its candidates: as a person types, forgiving typos.

Every word of the query must match a word of the document (its name, or its detail: a song's
artist and album, an album's artist) within OpenSearch's ``fuzziness: AUTO`` edit distance: 0
edits for words of 1-2 characters, 1 for 3-5, 2 above; edits are those of the optimal string
alignment (a swap of two neighbouring letters is one edit, as OpenSearch's default
``fuzzy_transpositions``). The last word may be unfinished: it also matches the start of a word
("beat" finds "Beatles"; "beatels" finds "The Beatles" with one swap).

Best first: the name starting with the whole query, then every word matching exactly (or as a
prefix) in the name, then exactly anywhere; then fewer edits, more words in the name than in
the detail, shorter names, A to Z. Texts are folded first (``keys.fold_text``: no case, no
accents), so "Beyonce" finds "Beyoncé".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from backend.search.index import query_words
from backend.store.keys import fold_text


@dataclass(frozen=True)
class MusicCandidate:
    kind: str  # "song" | "album" | "artist" | "playlist"
    item_id: str
    name: str  # folded
    detail: str  # folded


def allowed_edits(word: str) -> int:
    """OpenSearch's ``AUTO``: 0 edits up to 2 characters, 1 up to 5, 2 above."""
    if len(word) <= 2:
        return 0
    if len(word) <= 5:
        return 1
    return 2


def word_edits(query_word: str, text_word: str, prefix: bool) -> int | None:
    """Edits between a query word and a document word (its start too when ``prefix``), or None
    when more than the word allows."""
    if query_word == text_word or (prefix and text_word.startswith(query_word)):
        return 0
    allowed = allowed_edits(query_word)
    if allowed == 0:
        return None
    best = OSA.distance(query_word, text_word, score_cutoff=allowed)
    if prefix:
        for length in (len(query_word) - 1, len(query_word), len(query_word) + 1):
            if 0 < length < len(text_word):
                best = min(best, OSA.distance(query_word, text_word[:length], score_cutoff=allowed))
    return best if best <= allowed else None


def score(
    words: list[str], candidate: MusicCandidate, known: dict[tuple[int, str], int | None] | None = None
) -> tuple[int, int, int, int, str] | None:
    """The candidate's rank key for the folded query's words (lower is better), or None when
    some word does not match. ``known``: the edits already measured for this query, by (query
    word's place, document word) (candidates share many words: an artist, an album)."""
    if not words:
        return None
    if known is None:
        known = {}
    name_words, detail_words = query_words(candidate.name), query_words(candidate.detail)
    total_edits = 0
    in_detail = 0
    exact_in_name = True
    last = len(words) - 1
    for index, word in enumerate(words):
        best_name = best_other = None
        for texts, in_name in ((name_words, True), (detail_words, False)):
            for text in texts:
                edits = known.get((index, text), -1)
                if edits == -1:
                    edits = known[(index, text)] = word_edits(word, text, index == last)
                if edits is None:
                    continue
                if in_name and (best_name is None or edits < best_name):
                    best_name = edits
                elif not in_name and (best_other is None or edits < best_other):
                    best_other = edits
        if best_name is None and best_other is None:
            return None
        if best_name is not None and (best_other is None or best_name <= best_other):
            total_edits += best_name
            exact_in_name = exact_in_name and best_name == 0
        else:
            assert best_other is not None
            total_edits += best_other
            in_detail += 1
            exact_in_name = False
    if candidate.name.startswith(" ".join(words)):
        tier = 0
    elif exact_in_name:
        tier = 1
    elif total_edits == 0:
        tier = 2
    else:
        tier = 3
    return (tier, total_edits, in_detail, len(candidate.name), candidate.name)


def rank(text: str, candidates: Iterable[MusicCandidate], limit: int) -> dict[str, list[MusicCandidate]]:
    """The matching candidates of each kind, best first, at most ``limit`` of each."""
    words = query_words(fold_text(text))
    known: dict[tuple[int, str], int | None] = {}
    scored = [(key, candidate) for candidate in candidates if (key := score(words, candidate, known)) is not None]
    scored.sort(key=lambda pair: (pair[0], pair[1].item_id))
    ranked: dict[str, list[MusicCandidate]] = {}
    for _key, candidate in scored:
        kept = ranked.setdefault(candidate.kind, [])
        if len(kept) < limit:
            kept.append(candidate)
    return ranked
