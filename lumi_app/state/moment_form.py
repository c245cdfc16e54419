"""Rules of the moment forms (sharing one, editing one), checked in the app before the API sees them."""

from __future__ import annotations

from backend.contracts import MOMENT_TAGS_MAX, TAG_RULE, is_tag_name


def parse_tags(text: str) -> tuple[list[str], str]:
    """Comma-separated tags → the tags (trimmed, one space inside, each once) and what is wrong ("" if nothing)."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in text.split(","):
        name = " ".join(raw.strip().lstrip("#").split())
        if not name:
            continue
        if not is_tag_name(name):
            return tags, f"“{name[:40]}” can't be a tag: tags are {TAG_RULE}."
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        tags.append(name)
    if len(tags) > MOMENT_TAGS_MAX:
        return tags[:MOMENT_TAGS_MAX], f"A moment has up to {MOMENT_TAGS_MAX} tags."
    return tags, ""


__all__ = ["parse_tags"]
