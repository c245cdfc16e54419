"""Stream steps that keep the search index in step with the couple's moments.

Each step writes the index from the stream image alone (upsert or delete by id), so a
record delivered twice leaves the index as it was after the first time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.search import MomentDocument, get_search_index

Image = dict[str, Any]


def document_of(image: Image) -> MomentDocument:
    """The searchable part of a stored ``Moment`` (tags are ``{slug, name}`` maps)."""
    return MomentDocument(
        moment_id=str(image["moment_id"]),
        relationship_id=str(image["relationship_id"]),
        owner_id=str(image.get("owner_id", "")),
        title=str(image.get("title") or ""),
        description=str(image.get("description") or ""),
        tags=tuple(_tag_name(tag) for tag in image.get("tags") or []),
        created_at=_created_at(image.get("created_at")),
    )


def _tag_name(tag: Any) -> str:
    if isinstance(tag, dict):
        return str(tag.get("name") or tag.get("slug") or "")
    return str(tag)


def _created_at(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromtimestamp(0, UTC)


def moment_indexed(new: Image) -> None:
    """A moment was created or changed: (re)index its title, description and tags."""
    get_search_index().upsert(document_of(new))


def moment_unindexed(old: Image) -> None:
    """A moment was deleted: remove it from the index."""
    get_search_index().remove(str(old["relationship_id"]), str(old["moment_id"]))


def couple_unindexed(relationship_id: str) -> None:
    """A couple split up: remove all their moments from the index."""
    get_search_index().remove_couple(relationship_id)
