"""A person's own profile: name, username and avatar picture."""

from __future__ import annotations

import logging

from backend.domain.errors import InvalidImage
from backend.domain.models import Caller, UserProfile
from backend.domain.rules import (
    SNIFF_BYTES,
    avatar_key_is_callers,
    check_avatar_size,
    check_display_name,
    check_uploaded_avatar,
)
from backend.media import objects, paths, urls
from backend.settings import get_settings
from backend.store import users

log = logging.getLogger("lumi.profiles")


def me(caller: Caller) -> UserProfile:
    return users.require(caller.user_id)


def update(caller: Caller, display_name: str | None, username: str | None) -> UserProfile:
    if display_name is not None:
        display_name = check_display_name(display_name)
    profile = users.require(caller.user_id)
    if username is not None:
        profile = users.rename(profile, username)
    if display_name is not None and display_name != profile.display_name:
        profile = users.set_display_name(caller.user_id, display_name)
    return profile


def avatar_upload(caller: Caller, content_type: str, size: int) -> objects.PresignedPost:
    """A presigned POST for a new avatar under a key only the server chooses."""
    users.require(caller.user_id)
    settings = get_settings()
    check_avatar_size(size, settings.avatar_max_bytes)
    return objects.presigned_post(
        paths.new_avatar_key(caller.user_id),
        content_type,
        settings.avatar_max_bytes,
        settings.upload_url_ttl_seconds,
    )


def confirm_avatar(caller: Caller, key: str) -> UserProfile:
    """Check the uploaded object on the server before it becomes the avatar.

    S3 enforces the upload policy in AWS, but the object is what counts: its size and its
    first bytes must make it a JPEG, PNG or WebP of the declared type. A bad upload is
    deleted, so nothing unchecked stays under the person's prefix.
    """
    settings = get_settings()
    if not avatar_key_is_callers(caller.user_id, key, paths.avatar_prefix(caller.user_id)):
        raise InvalidImage({"key": "That upload does not belong to you."})
    profile = users.require(caller.user_id)
    if key == profile.avatar_key:
        return profile
    info = objects.inspect(key, SNIFF_BYTES)
    if info is None:
        raise InvalidImage({"key": "We could not find the uploaded picture. Please upload it again."})
    try:
        check_uploaded_avatar(info, info.content_type, settings.avatar_max_bytes)
    except InvalidImage:
        objects.delete(key)
        raise
    profile, previous = users.set_avatar(caller.user_id, key)
    if previous and previous != key:
        _delete_quietly(previous)
    return profile


def _delete_quietly(key: str) -> None:
    try:
        objects.delete(key)
        urls.forget(key)
    except Exception:  # a leftover old picture must not fail the new one
        log.exception("could not delete the previous avatar %s", key)
