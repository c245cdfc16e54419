"""Stream steps that keep the search index in step with the couple's moments (filled in by the search work)."""

from __future__ import annotations

from typing import Any

Image = dict[str, Any]


def moment_indexed(new: Image) -> None:
    """A moment was created or changed: (re)index its title, description and tags."""


def moment_unindexed(old: Image) -> None:
    """A moment was deleted: remove it from the index."""


def couple_unindexed(relationship_id: str) -> None:
    """A couple split up: remove all their moments from the index."""
