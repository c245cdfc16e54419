"""A couple's tags, and the links that say which moments carry each.

Only the stream changes links and counts, and always together in one transaction: a
``TaggedMoment`` put under ``attribute_not_exists`` with ``ADD moment_count :1`` on the
``Tag``, or deleted under a condition with ``ADD -1``. So a replayed record finds its
condition false and counts nothing twice; ``moment_count`` is the number of links.

A tag deleted by the couple can be written again (on another moment) before the stream has
taken the old one off every moment. Each ``Tag`` item therefore has an ``epoch`` (made when
it is created) and each link the epoch of the tag it was counted on: a link of a deleted
incarnation is never counted down on the new one, and is replaced (and counted) when its
moment is tagged again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from backend.store import keys, records, table
from backend.store.table import Item, TransactionFailed

TAG = "Tag"
TAGGED_MOMENT = "TaggedMoment"
_ATTEMPTS = 5


@dataclass(frozen=True)
class CoupleTag:
    slug: str
    name: str
    moment_count: int


def _link_item(relationship_id: str, slug: str, moment_id: str, epoch: str) -> Item:
    return {
        **keys.tagged_moment(relationship_id, slug, moment_id),
        **keys.tenant_key(relationship_id, "TAGGED", f"{slug}#{moment_id}"),
        "type": TAGGED_MOMENT,
        "relationship_id": relationship_id,
        "slug": slug,
        "moment_id": moment_id,
        "epoch": epoch,
        "linked_at": records.stored_time(records.now()),
    }


def link(relationship_id: str, slug: str, name: str, moment_id: str) -> bool:
    """Link a moment to a tag and count it, unless it is linked already; True if it counted now."""
    link_key = keys.tagged_moment(relationship_id, slug, moment_id)
    tag_key = keys.tag(relationship_id, slug)
    for _ in range(_ATTEMPTS):
        tag = table.get(tag_key)
        epoch = str(tag["epoch"]) if tag and tag.get("epoch") else uuid.uuid4().hex
        existing = table.get(link_key)
        if existing is not None and existing.get("epoch") == epoch:
            return False
        if existing is None:
            put = table.tx_put(_link_item(relationship_id, slug, moment_id, epoch), "attribute_not_exists(pk)")
        else:  # a link counted on a tag that was deleted since
            put = table.tx_put(
                _link_item(relationship_id, slug, moment_id, epoch), "epoch = :stale", {":stale": existing.get("epoch")}
            )
        tenant = keys.tenant_key(relationship_id, "TAG", slug)
        count = table.tx_update(
            tag_key,
            "SET #type = :type, relationship_id = :rel, slug = :slug, #name = if_not_exists(#name, :name), "
            "epoch = if_not_exists(epoch, :epoch), created_at = if_not_exists(created_at, :now), "
            "gsi2pk = :gsi2pk, gsi2sk = :gsi2sk ADD moment_count :one",
            "attribute_not_exists(pk) OR epoch = :epoch",
            {
                ":type": TAG,
                ":rel": relationship_id,
                ":slug": slug,
                ":name": name,
                ":epoch": epoch,
                ":now": records.stored_time(records.now()),
                ":gsi2pk": tenant["gsi2pk"],
                ":gsi2sk": tenant["gsi2sk"],
                ":one": 1,
            },
            {"#type": "type", "#name": "name"},
        )
        try:
            table.transact([put, count])
            return True
        except TransactionFailed:
            continue  # the link or the tag changed meanwhile: look again
    raise RuntimeError(f"tag {slug} of moment {moment_id} kept changing")


def unlink(relationship_id: str, slug: str, moment_id: str) -> bool:
    """Remove a moment's link to a tag and count it down (only on the tag it was counted on)."""
    link_key = keys.tagged_moment(relationship_id, slug, moment_id)
    existing = table.get(link_key)
    if existing is None:
        return False
    same = {":epoch": existing.get("epoch")}
    try:
        table.transact(
            [
                table.tx_delete(link_key, "epoch = :epoch", same),
                table.tx_update(
                    keys.tag(relationship_id, slug), "ADD moment_count :minus", "epoch = :epoch", {**same, ":minus": -1}
                ),
            ]
        )
        return True
    except TransactionFailed as failure:
        if failure.failed(0):
            return False  # replaced or removed meanwhile
    # The tag it was counted on is gone (deleted by the couple): nothing left to count down.
    return table.delete(link_key, "epoch = :epoch", same)


def forget_link(relationship_id: str, slug: str, moment_id: str, epoch: str | None) -> bool:
    """Delete a link of a deleted tag (no count to change)."""
    return table.delete(keys.tagged_moment(relationship_id, slug, moment_id), "epoch = :epoch", {":epoch": epoch})


def links(relationship_id: str, slug: str) -> list[Item]:
    return list(table.query_all(("pk", keys.tenant(relationship_id)), ("sk", keys.tagged_prefix(slug))))


def get(relationship_id: str, slug: str) -> CoupleTag | None:
    item = table.get(keys.tag(relationship_id, slug))
    return _tag_from(item) if item else None


def _tag_from(item: Item) -> CoupleTag:
    return CoupleTag(item["slug"], str(item.get("name") or item["slug"]), max(0, int(item.get("moment_count", 0))))


def couple_tags(relationship_id: str) -> list[CoupleTag]:
    """Tags carried by at least one moment, most used first."""
    items = table.query_all(
        ("pk", keys.tenant(relationship_id)),
        ("sk", keys.TAG_PREFIX),
        filter_expression="moment_count > :zero",
        filter_values={":zero": 0},
    )
    found = [_tag_from(item) for item in items if item.get("type") == TAG]
    return sorted(found, key=lambda tag: (-tag.moment_count, tag.slug))


def tagged_page(relationship_id: str, slug: str, limit: int, next_token: str | None) -> tuple[list[str], str | None]:
    """Ids of the moments carrying a tag, newest first."""
    result = table.query_page(
        ("pk", keys.tenant(relationship_id)),
        ("sk", keys.tagged_prefix(slug)),
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [str(item["moment_id"]) for item in result.items], result.next_token


def delete(relationship_id: str, slug: str) -> bool:
    """The couple deletes a tag; the stream then takes it off every moment."""
    return table.delete(keys.tag(relationship_id, slug), "attribute_exists(pk)")


def counts(relationship_id: str, slugs: list[str]) -> dict[str, Any]:
    """Stored counts of some tags (tests and the bench)."""
    found = table.batch_get([keys.tag(relationship_id, slug) for slug in slugs])
    return {item["slug"]: int(item.get("moment_count", 0)) for item in found}
