"""Pure domain rules: sign-in identifiers, pairing, display names, pictures."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime

import pytest

from backend.domain.errors import BadRequest, Conflict, InvalidImage, NotFound, ValidationFailed
from backend.domain.models import ObjectInfo, Relationship, UserProfile
from backend.domain.rules import (
    avatar_key_is_callers,
    check_avatar_size,
    check_display_name,
    check_partner_request,
    check_uploaded_avatar,
    login_identifier,
    normalize_email,
    sniff_image_type,
)

NOW = datetime(2024, 2, 14, tzinfo=UTC)


def person(user_id: str, relationship_id: str | None = None) -> UserProfile:
    return UserProfile(
        user_id, f"name_{user_id}", f"{user_id}@example.com", user_id.title(), NOW, None, relationship_id
    )


@pytest.mark.parametrize(
    ("login", "kind", "value"),
    [
        ("Ana@Example.COM", "email", "ana@example.com"),
        ("  ana@example.com ", "email", "ana@example.com"),
        ("Ana_B", "username", "ana_b"),
        (" ana.b ", "username", "ana.b"),
    ],
)
def test_people_sign_in_with_email_or_username(login: str, kind: str, value: str) -> None:
    identifier = login_identifier(login)
    assert (identifier.kind, identifier.value) == (kind, value)


def test_an_email_has_one_spelling() -> None:
    assert normalize_email(" Ana.B@Example.Com ") == "ana.b@example.com"


def test_partner_requests_follow_the_one_partner_rule() -> None:
    ana, ben = person("ana"), person("ben")
    assert check_partner_request(ana, ben) is ben
    with pytest.raises(NotFound) as unknown:
        check_partner_request(ana, None)
    assert unknown.value.code == "unknown_user"
    with pytest.raises(BadRequest) as myself:
        check_partner_request(ana, person("ana"))
    assert myself.value.code == "cannot_pair_with_self"
    with pytest.raises(Conflict) as paired:
        check_partner_request(person("ana", "r1"), ben)
    assert paired.value.code == "already_paired"
    with pytest.raises(Conflict) as taken:
        check_partner_request(ana, person("ben", "r2"))
    assert taken.value.code == "partner_already_paired"


def test_a_relationship_knows_each_partner() -> None:
    relationship = Relationship("r", ("ana", "ben"), NOW)
    assert relationship.partner_of("ana") == "ben"
    assert relationship.partner_of("ben") == "ana"


@pytest.mark.parametrize("name", ["Ana", "  Ana Lúcia  ", "李小龍", "Ana 👩‍❤️‍👨", "O'Brien-Smith"])
def test_display_names_in_any_script_are_fine(name: str) -> None:
    assert check_display_name(name) == name.strip()


@pytest.mark.parametrize("name", ["", "   ", "\x00", "Ana\x07", "Ana\u202eevil", "a\ufeffb", "\ue000"])
def test_display_names_with_control_or_invisible_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_display_name(name)
    assert set(refused.value.fields) == {"display_name"}


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (png()[:16], "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"GIF89a\x01\x00", None),
        (b"hello, I am text", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"", None),
    ],
)
def test_pictures_are_recognised_by_their_first_bytes(head: bytes, kind: str | None) -> None:
    assert sniff_image_type(head) == kind


def test_an_uploaded_avatar_must_be_the_declared_picture_type_and_size() -> None:
    picture = ObjectInfo("k", 100, "image/png", png()[:16])
    assert check_uploaded_avatar(picture, "image/png", 1000) == "image/png"
    for info, declared, limit in [
        (picture, "image/jpeg", 1000),  # not what it claimed to be
        (ObjectInfo("k", 100, "image/png", b"hello, I am text"), "image/png", 1000),  # not a picture
        (ObjectInfo("k", 2000, "image/png", png()[:16]), "image/png", 1000),  # too big
        (ObjectInfo("k", 0, "image/png", b""), "image/png", 1000),  # empty
    ]:
        with pytest.raises(InvalidImage) as refused:
            check_uploaded_avatar(info, declared, limit)
        assert refused.value.code == "invalid_image" and "key" in refused.value.fields


def test_an_announced_avatar_size_is_checked_before_any_upload() -> None:
    check_avatar_size(1000, 1000)
    with pytest.raises(ValidationFailed) as refused:
        check_avatar_size(1001, 1000)
    assert "size" in refused.value.fields


@pytest.mark.parametrize(
    ("key", "mine"),
    [
        ("private/users/u1/avatar/abc", True),
        ("private/users/u1/avatar/", False),
        ("private/users/u1/avatar/a/b", False),
        ("private/users/u1/avatar/../../u2/avatar/x", False),
        ("private/users/u2/avatar/abc", False),
        ("private/users/u1/avatarx", False),
        ("public/u1.png", False),
    ],
)
def test_only_keys_the_server_made_for_the_caller_count(key: str, mine: bool) -> None:
    assert avatar_key_is_callers("u1", key, "private/users/u1/avatar/") is mine
