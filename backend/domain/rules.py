"""Pure rules about accounts, pairing and pictures (no I/O; unit-tested)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Literal

from backend.domain.errors import BadRequest, Conflict, InvalidImage, NotFound, ValidationFailed
from backend.domain.models import ObjectInfo, UserProfile


def check_display_name(display_name: str) -> str:
    """Names are shown to a partner: printable text only (no control or invisible format characters)."""
    name = display_name.strip()
    allowed_format = {"\u200d"}  # the zero-width joiner inside emoji sequences
    if not name or any(
        unicodedata.category(ch) in ("Cc", "Cs", "Co")
        or (unicodedata.category(ch) == "Cf" and ch not in allowed_format)
        for ch in name
    ):
        raise ValidationFailed({"display_name": "Use letters, digits, spaces and punctuation only."})
    return name


def normalize_email(email: str) -> str:
    """One spelling per address, so ``Ana@X.com`` and ``ana@x.com`` are the same account."""
    return email.strip().lower()


@dataclass(frozen=True)
class LoginIdentifier:
    kind: Literal["email", "username"]
    value: str


def login_identifier(login: str) -> LoginIdentifier:
    """People sign in with either their e-mail address or their username."""
    value = login.strip()
    if "@" in value:
        return LoginIdentifier("email", normalize_email(value))
    return LoginIdentifier("username", value.lower())


# A reserved top-level domain (RFC 2606): no account can ever have an address there.
STAND_IN_DOMAIN = "lumi.invalid"


def stand_in_address(login: str) -> str:
    """The address Cognito is asked about when no account matches ``login``.

    Sign-in and password reset then take the same path, and about the same time, for an
    unknown account as for a known one (the lookup, then one Cognito call that fails the
    same way), and an orphan Cognito user whose profile is gone is never reached. The same
    login always gives the same address."""
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:24]
    return f"nobody-{digest}@{STAND_IN_DOMAIN}"


def check_partner_request(sender: UserProfile, recipient: UserProfile | None) -> UserProfile:
    """Why a partner request cannot be sent, if it cannot; returns the recipient.

    The same conditions are enforced again inside the write transaction: this gives the
    clear answer in the common case, the transaction keeps it true under races.
    """
    if recipient is None:
        raise NotFound("There is nobody with that username or e-mail.", code="unknown_user")
    if recipient.user_id == sender.user_id:
        raise BadRequest("You cannot be your own partner.", code="cannot_pair_with_self")
    if sender.relationship_id:
        raise Conflict("You already have a partner.", code="already_paired")
    if recipient.relationship_id:
        raise Conflict("That person already has a partner.", code="partner_already_paired")
    return recipient


# ---------------------------------------------------------------- pictures

_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
)
SNIFF_BYTES = 16


def sniff_image_type(head: bytes) -> str | None:
    """The image type the first bytes prove, whatever the upload claimed."""
    for content_type, magic, offset in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_avatar_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationFailed({"size": f"Pictures can be at most {max_bytes // (1024 * 1024)} MB."})


def avatar_key_is_callers(user_id: str, key: str, prefix: str) -> bool:
    """An avatar key counts only if the server made it under the caller's own prefix."""
    return key.startswith(prefix) and "/" not in key[len(prefix) :] and ".." not in key and len(key) > len(prefix)


def check_uploaded_avatar(info: ObjectInfo, declared_type: str | None, max_bytes: int) -> str:
    """Accept an uploaded avatar only if its size and first bytes match an allowed image type."""
    if info.size < 1 or info.size > max_bytes:
        raise InvalidImage({"key": "The picture is empty or too large."})
    actual = sniff_image_type(info.head)
    if actual is None:
        raise InvalidImage({"key": "That file is not a JPEG, PNG or WebP picture."})
    if declared_type is not None and declared_type != actual:
        raise InvalidImage({"key": "The file's content does not match its declared type."})
    return actual
