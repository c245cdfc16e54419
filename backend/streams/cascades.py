"""What must follow a committed change, each safe to run any number of times.

Every step deletes only what still exists, or updates only under a condition, so a record
delivered twice (or retried after a partial failure) finds nothing left to do.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from backend.domain.errors import NotFound
from backend.domain.notifications import notify
from backend.media import objects, paths, urls
from backend.store import keys, music, notifications, playlists, records, relationships, table, user_pool, users
from backend.streams import search

log = logging.getLogger("lumi.streams")

Image = dict[str, Any]


def relationship_removed(old: Image) -> None:
    """The couple is gone: delete everything it owned, in the table and in storage."""
    relationship_id = old["relationship_id"]
    deleted = table.batch_delete(list(relationships.couple_item_keys(relationship_id)))
    files = objects.delete_prefix(paths.couple_prefix(relationship_id))
    search.couple_unindexed(relationship_id)
    for user_id in old.get("partner_ids", []):
        # Normally already unlinked in the leaving transaction; this heals any other path.
        table.update(
            keys.profile(user_id),
            "REMOVE relationship_id",
            {":rel": relationship_id},
            condition="relationship_id = :rel",
        )
    log.info("relationship %s removed: %d items and %d files deleted", relationship_id, deleted, files)


def relationship_created(new: Image) -> None:
    """Both partners are taken now: their other pending requests can never be accepted.

    Only requests from before the pairing: if this record arrives late and the couple has
    split up meanwhile, newer requests are real ones.
    """
    since = records.relationship_from(new).since
    for user_id in new.get("partner_ids", []):
        remove_pending_requests(user_id, made_before=since)
    tell_the_new_pair(new)


def tell_the_new_pair(new: Image) -> None:
    """Each partner hears they are a pair now, once (a claim per person on the relationship
    item; given back when notifying fails, so a retried record tries again)."""
    relationship_id = new["relationship_id"]
    partner_ids = list(new.get("partner_ids", []))
    people = {profile.user_id: profile for profile in (users.get(uid) for uid in partner_ids) if profile}
    if len(people) != 2:
        return  # one of them is already gone: nothing to celebrate
    at = records.stored_time(datetime.now(UTC))
    for user_id, profile in people.items():
        partner = next(p for uid, p in people.items() if uid != user_id)
        if profile.relationship_id != relationship_id or not relationships.claim_paired_notice(
            relationship_id, user_id, at
        ):
            continue
        try:
            notify(
                user_id,
                "partner",
                "paired",
                f"You and {partner.display_name} are a pair",
                f"You and {partner.display_name} now share one space in Lumi.",
                "/pairing",
                relationship_id=relationship_id,
            )
        except Exception:
            relationships.give_back_paired_notice(relationship_id, user_id, at)
            raise


def user_removed(old: Image) -> None:
    """An account was deleted: free its claims, requests, pictures and partner."""
    user_id = old["user_id"]
    user_pool.delete_user(user_id)  # before the e-mail is free again; usually already done
    users.release_claims(user_id, old.get("username"), old.get("email"))
    remove_pending_requests(user_id)
    urls.forget(old.get("avatar_key"))
    objects.delete_prefix(paths.user_prefix(user_id))
    notifications.forget_person(user_id)  # notifications, count, settings, push subscriptions
    music.forget_person(user_id)  # songs, upload tickets, content claims, the quota counter
    playlists.forget_person(user_id)  # playlists and copies (entries and partners' copies: stream)
    if old.get("relationship_id"):
        end_relationship_without(user_id, old["relationship_id"])


def remove_pending_requests(user_id: str, made_before: datetime | None = None) -> None:
    for request in relationships.requests_of(user_id, "any"):
        if made_before is None or request.created_at <= made_before:
            relationships.remove_request(request)


def end_relationship_without(user_id: str, relationship_id: str) -> None:
    """End the relationship of a deleted person, unlinking the partner left behind."""
    relationship = relationships.get_relationship(relationship_id)
    if relationship is None:
        return
    linked = [
        partner_id
        for partner_id in relationship.partner_ids
        if partner_id != user_id
        and (profile := users.get(partner_id)) is not None
        and profile.relationship_id == relationship_id
    ]
    with contextlib.suppress(NotFound):  # someone else ended it first
        relationships.end(relationship, linked)
