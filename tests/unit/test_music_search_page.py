"""What the music search page shows for the state it is in (hint, loading, nothing, results, error,
and an older answer kept while a newer search is on its way), what it searches for, and how a
playlist found reads and links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.contracts import MUSIC_SEARCH_MAX, Playlist
from lumi_app.pages.music.search import PlaylistHit, clean_query, search_view
from lumi_app.routes import playlist_url


@pytest.mark.parametrize(
    ("query", "error", "shown_for", "searching", "found", "view"),
    [
        ("", "", "", False, 0, "hint"),
        ("", "", "abba", False, 3, "hint"),  # cleared: the last answer is not shown
        ("abba", "", "", True, 0, "loading"),
        ("abba", "", "abba", False, 0, "none"),
        ("abba", "", "abba", False, 2, "results"),
        ("abbaa", "", "abba", True, 2, "results"),  # a newer search on its way: keep the last answer
        ("abbaa", "", "abba", True, 0, "loading"),  # ... unless it found nothing
        ("abba", "Something went wrong.", "", False, 0, "error"),
    ],
)
def test_the_page_shows_what_its_state_says(
    query: str, error: str, shown_for: str, searching: bool, found: int, view: str
) -> None:
    assert search_view(query, error, shown_for, searching, found) == view


def test_a_search_is_its_words_with_blanks_folded_and_at_most_the_apis_length() -> None:
    assert clean_query("  hey   jude \n") == "hey jude"
    assert clean_query("   ") == ""
    assert len(clean_query("a" * 300)) == MUSIC_SEARCH_MAX
    assert clean_query("x" * (MUSIC_SEARCH_MAX - 1) + " y") == "x" * (MUSIC_SEARCH_MAX - 1)


def _playlist(**changes: object) -> Playlist:
    fields: dict[str, object] = {
        "playlist_id": "pl/1 2",
        "owner_id": "u1",
        "mine": True,
        "name": "Road trip",
        "shared": False,
        "entry_count": 1,
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
    }
    return Playlist.model_validate(fields | changes)


def test_a_playlist_found_says_how_long_and_whose_it_is_and_links_to_its_page() -> None:
    assert PlaylistHit.of(_playlist()).details == "1 song"
    assert PlaylistHit.of(_playlist(shared=True, entry_count=12)).details == "12 songs · Shared"
    assert PlaylistHit.of(_playlist(mine=False, shared=True, entry_count=0)).details == "0 songs · From your partner"
    assert PlaylistHit.of(_playlist()).url == playlist_url("pl/1 2") == "/music/playlist?id=pl%2F1%202"
