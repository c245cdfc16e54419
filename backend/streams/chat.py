"""Stream steps for a moment's chat (filled in by the chat work)."""

from __future__ import annotations

from typing import Any

Image = dict[str, Any]


def message_inserted(new: Image) -> None:
    """A chat message was stored: count it on its moment (idempotently)."""


def message_removed(old: Image) -> None:
    """A chat message item is gone."""


def delete_for_moment(relationship_id: str, moment_id: str) -> None:
    """Delete every chat item of a deleted moment (messages, receipts, retry ids)."""
