"""Stream steps for moments and tags (filled in by the moments work)."""

from __future__ import annotations

from typing import Any

Image = dict[str, Any]


def moment_inserted(new: Image) -> None:
    """A moment became visible: thumbnail, tag links and counts, the partner's notification, a live signal."""


def moment_modified(old: Image, new: Image) -> None:
    """A moment changed: tag links and counts follow its tags; a live signal."""


def moment_removed(old: Image) -> None:
    """A moment was deleted: its chat, tag links (and counts), video, thumbnail and cached URLs go."""


def upload_removed(old: Image) -> None:
    """An upload ticket expired (TTL) or was used: without a moment, its object goes."""


def tag_removed(old: Image) -> None:
    """A couple tag was deleted: it goes from every moment carrying it."""
