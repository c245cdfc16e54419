"""Searching the couple's moments through one ``SearchIndex`` protocol, and a person's music
library through ``MusicSearchIndex``: SQLite FTS5 in the local stack (one file, one object for
both), OpenSearch in AWS (``Settings.search_backend``; music in its own index)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from backend.search.index import MomentDocument, MusicDocument, MusicHit, MusicSearchIndex, SearchIndex, query_words
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.search.sqlite import SqliteSearchIndex


def get_search_index() -> SearchIndex:
    """The configured index, one per configuration and process (a test stack started later
    in the same process points at its own file)."""
    settings = get_settings()
    if settings.search_backend == "opensearch":
        return _opensearch(settings.opensearch_endpoint, settings.opensearch_index, settings.region)
    return _sqlite(settings.search_sqlite_path)


def get_music_index() -> MusicSearchIndex:
    """The configured music index (locally the same SQLite object as the moments')."""
    settings = get_settings()
    if settings.search_backend == "opensearch":
        return _opensearch_music(settings.opensearch_endpoint, f"{settings.opensearch_index}-music", settings.region)
    return _sqlite(settings.search_sqlite_path)


@lru_cache(maxsize=4)
def _sqlite(path: str) -> SqliteSearchIndex:
    from backend.search.sqlite import SqliteSearchIndex

    return SqliteSearchIndex(path)


@lru_cache(maxsize=4)
def _opensearch(endpoint: str, index: str, region: str) -> SearchIndex:
    from backend.search.opensearch import OpenSearchIndex

    return OpenSearchIndex(endpoint, index, region)


@lru_cache(maxsize=4)
def _opensearch_music(endpoint: str, index: str, region: str) -> MusicSearchIndex:
    from backend.search.opensearch import OpenSearchMusicIndex

    return OpenSearchMusicIndex(endpoint, index, region)


def reset_search_index() -> None:
    """Forget the cached indexes (tests)."""
    _sqlite.cache_clear()
    _opensearch.cache_clear()
    _opensearch_music.cache_clear()


__all__ = [
    "MomentDocument",
    "MusicDocument",
    "MusicHit",
    "MusicSearchIndex",
    "SearchIndex",
    "get_music_index",
    "get_search_index",
    "query_words",
    "reset_search_index",
]
