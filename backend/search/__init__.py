"""Searching the couple's moments through one ``SearchIndex`` protocol: SQLite FTS5 in the
local stack, OpenSearch in AWS (``Settings.search_backend``)."""

from __future__ import annotations

from functools import lru_cache

from backend.search.index import MomentDocument, SearchIndex, query_words
from backend.settings import get_settings


def get_search_index() -> SearchIndex:
    """The configured index, one per configuration and process (a test stack started later
    in the same process points at its own file)."""
    settings = get_settings()
    if settings.search_backend == "opensearch":
        return _opensearch(settings.opensearch_endpoint, settings.opensearch_index, settings.region)
    return _sqlite(settings.search_sqlite_path)


@lru_cache(maxsize=4)
def _sqlite(path: str) -> SearchIndex:
    from backend.search.sqlite import SqliteSearchIndex

    return SqliteSearchIndex(path)


@lru_cache(maxsize=4)
def _opensearch(endpoint: str, index: str, region: str) -> SearchIndex:
    from backend.search.opensearch import OpenSearchIndex

    return OpenSearchIndex(endpoint, index, region)


def reset_search_index() -> None:
    """Forget the cached indexes (tests)."""
    _sqlite.cache_clear()
    _opensearch.cache_clear()


__all__ = ["MomentDocument", "SearchIndex", "get_search_index", "query_words", "reset_search_index"]
