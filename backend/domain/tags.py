"""Tags: how a name becomes a tag (pure rules), and the couple's tag list and tag pages.

A tag is named by its slug (lowercase, hyphens for spaces, ASCII so it fits in a path), and
shown as the couple first wrote it. A moment carries at most ``MOMENT_TAGS_MAX`` tags, one per
slug. Counts are kept by the stream (``backend.store.tags``); the list hides tags no moment
carries any more.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from backend import contracts
from backend.contracts import MOMENT_TAGS_MAX, TAG_RULE, is_tag_name, is_tag_slug
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.models import Caller
from backend.store import moments as moment_store
from backend.store import tags as store
from backend.store.moments import TagRef

_SPACES = re.compile(r"\s+")

PAGE_DEFAULT = contracts.TAGS_PAGE_DEFAULT
PAGE_MAX = contracts.TAGS_PAGE_MAX


def normalise_name(name: str) -> str:
    """Trim and collapse inner whitespace: " summer   holiday " is "summer holiday"."""
    return _SPACES.sub(" ", name).strip()


def slug_of(name: str) -> str:
    """Lowercase, spaces as hyphens, accents on Latin letters dropped: "Été à Paris" is
    "ete-a-paris", so "cafe" and "Café" are one tag. Other scripts stay as written ("東京",
    "हिन्दी": their marks are part of the letters); only they name the tag in paths, quoted."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", normalise_name(name)):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).lower().replace(" ", "-")


def tag_ref(name: str) -> TagRef:
    """The tag a person's text names, or a ``ValidationFailed`` that says why it cannot be one."""
    cleaned = normalise_name(name)
    if not is_tag_name(cleaned):
        raise ValidationFailed({"tags": f"“{cleaned[:40]}” is not a tag we can use. Tags are {TAG_RULE}."})
    slug = slug_of(cleaned)
    if not is_tag_slug(slug):
        raise ValidationFailed({"tags": f"“{cleaned}” is not a tag we can use. Tags need letters or digits."})
    return TagRef(slug=slug, name=cleaned)


def normalise_tags(names: Iterable[str]) -> tuple[TagRef, ...]:
    """A moment's tags: each name checked, one per slug (the first spelling wins), at most ten."""
    found: dict[str, TagRef] = {}
    for name in names:
        ref = tag_ref(name)
        found.setdefault(ref.slug, ref)
    if len(found) > MOMENT_TAGS_MAX:
        raise ValidationFailed({"tags": f"A moment can have up to {MOMENT_TAGS_MAX} tags."})
    return tuple(found.values())


def check_slug(slug: str) -> str:
    if not is_tag_slug(slug):
        raise NotFound("We could not find that tag.")
    return slug


# ---------------------------------------------------------------- the couple's tags
# (``backend.domain.moments`` imports the rules above, so its helpers are imported when used.)


@dataclass(frozen=True)
class TaggedPage:
    items: list[contracts.Moment]
    next_token: str | None


def couple_tags(caller: Caller) -> list[contracts.CoupleTag]:
    from backend.domain.moments import couple_of

    relationship_id = couple_of(caller)
    return [
        contracts.CoupleTag(slug=tag.slug, name=tag.name, moment_count=tag.moment_count)
        for tag in store.couple_tags(relationship_id)
    ]


def tagged_moments(caller: Caller, slug: str, limit: int | None, next_token: str | None) -> TaggedPage:
    """The couple's moments carrying a tag, newest first; a tag the couple does not have is a 404."""
    from backend.domain.moments import in_couple, views

    me = in_couple(caller)
    relationship_id = me.relationship_id
    assert relationship_id is not None
    check_slug(slug)
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    moment_ids, token = store.tagged_page(relationship_id, slug, size, next_token)
    if not moment_ids and next_token is None and store.get(relationship_id, slug) is None:
        raise NotFound("We could not find that tag.")
    return TaggedPage(views(relationship_id, moment_store.get_many(relationship_id, moment_ids), [me]), token)


def delete_tag(caller: Caller, slug: str) -> None:
    """Either partner deletes a couple tag; the stream takes it off every moment."""
    from backend.domain.moments import couple_of

    relationship_id = couple_of(caller)
    check_slug(slug)
    if not store.delete(relationship_id, slug):
        raise NotFound("We could not find that tag.")
