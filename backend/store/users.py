"""People's profiles and the claims that keep usernames and e-mail addresses unique."""

from __future__ import annotations

from collections.abc import Iterator

from backend.domain.errors import Conflict, Unauthorized
from backend.domain.models import UserProfile
from backend.store import keys, records, table
from backend.store.table import TransactionFailed

_PROFILE_CHANGED = "Your profile changed while we were saving. Please try again."


def get(user_id: str) -> UserProfile | None:
    item = table.get(keys.profile(user_id))
    return records.profile_from(item) if item else None


def require(user_id: str) -> UserProfile:
    """The caller's own profile: a valid token whose account is gone must sign in again."""
    profile = get(user_id)
    if profile is None:
        raise Unauthorized("Your account no longer exists.")
    return profile


def owner_of_username(username: str) -> str | None:
    item = table.get(keys.username_claim(username))
    return item["user_id"] if item else None


def owner_of_email(email: str) -> str | None:
    item = table.get(keys.email_claim(email))
    return item["user_id"] if item else None


def find(username: str | None = None, email: str | None = None) -> UserProfile | None:
    owner = owner_of_username(username) if username else owner_of_email(email) if email else None
    return get(owner) if owner else None


def create(profile: UserProfile) -> None:
    """Store a new profile and claim its username and e-mail, all or nothing."""
    absent = "attribute_not_exists(pk)"
    try:
        table.transact(
            [
                table.tx_put(records.profile_item(profile), absent),
                table.tx_put(records.username_claim_item(profile.username, profile.user_id), absent),
                table.tx_put(records.email_claim_item(profile.email, profile.user_id), absent),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(1):
            raise Conflict("That username is taken.", code="username_taken") from failure
        if failure.failed(2):
            raise Conflict("An account with that e-mail address already exists.", code="email_taken") from failure
        raise Conflict("That account already exists.", code="account_exists") from failure


def rename(profile: UserProfile, new_username: str) -> UserProfile:
    """Move the username claim and the profile's username in one transaction."""
    if new_username == profile.username:
        return profile
    try:
        table.transact(
            [
                table.tx_update(
                    keys.profile(profile.user_id),
                    "SET username = :new",
                    "username = :old",
                    {":new": new_username, ":old": profile.username},
                ),
                table.tx_put(records.username_claim_item(new_username, profile.user_id), "attribute_not_exists(pk)"),
                table.tx_delete(keys.username_claim(profile.username), "user_id = :me", {":me": profile.user_id}),
            ]
        )
    except TransactionFailed as failure:
        if failure.failed(1):
            raise Conflict("That username is taken.", code="username_taken") from failure
        raise Conflict(_PROFILE_CHANGED, code="conflict") from failure
    return require(profile.user_id)


def set_display_name(user_id: str, display_name: str) -> UserProfile:
    item = table.update(
        keys.profile(user_id), "SET display_name = :name", {":name": display_name}, condition="attribute_exists(pk)"
    )
    if item is None:
        raise Unauthorized("Your account no longer exists.")
    return records.profile_from(item)


def set_avatar(user_id: str, avatar_key: str) -> tuple[UserProfile, str | None]:
    """Point the profile at a checked avatar; returns the profile and the key it replaced."""
    old = table.update(
        keys.profile(user_id),
        "SET avatar_key = :key",
        {":key": avatar_key},
        condition="attribute_exists(pk)",
        returns="ALL_OLD",
    )
    if old is None:
        raise Unauthorized("Your account no longer exists.")
    return require(user_id), old.get("avatar_key")


def delete(user_id: str) -> bool:
    """Remove the profile; the stream then releases claims, requests, avatar and partner."""
    return table.delete(keys.profile(user_id), "attribute_exists(pk)")


def release_claims(user_id: str, username: str | None, email: str | None) -> None:
    """Free a removed person's username and e-mail, unless someone has claimed them since."""
    if username:
        table.delete(keys.username_claim(username), "user_id = :me", {":me": user_id})
    if email:
        table.delete(keys.email_claim(email), "user_id = :me", {":me": user_id})


def partition_items(user_id: str) -> Iterator[table.Item]:
    return table.query_all(("pk", keys.user_partition(user_id)))
