"""A profile photo goes from the browser to storage, is checked, and shows; other files are refused."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from e2e.pages import RegisterPage, SettingsAccountPage
from e2e.people import PHONE, Person

PHOTO_SIZE = 48


def write_png(path: Path, width: int, height: int) -> Path:
    """A real PNG (a pink-to-blue gradient), made here so the test needs no fixture files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes((214, 51 + 3 * y % 200, 108 + 2 * x % 140)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )
    return path


def test_a_photo_uploads_with_progress_and_other_files_are_refused(
    new_person: Callable[..., Person], tmp_path: Path
) -> None:
    # given Flora signed up, on her account settings, with no photo yet
    flora = new_person("Flora", PHONE)
    RegisterPage(flora.page).register(flora)
    account = SettingsAccountPage(flora.page).open()
    expect(account.photo).to_have_count(0)

    # when she picks a text file, then the app refuses it before uploading anything
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    account.upload_photo(notes)
    expect(account.alert("Choose a JPEG, PNG or WebP image.")).to_be_visible()

    # when she picks a text file named like a picture, then storage takes it but the check refuses it
    disguised = tmp_path / "holiday.png"
    disguised.write_text("not a picture either")
    account.upload_photo(disguised)
    expect(account.alert("That file is not a picture we can use.")).to_be_visible()
    expect(account.photo).to_have_count(0)

    # when she uploads a real photo
    account.watch_upload_progress()
    account.upload_photo(write_png(tmp_path / "me.png", PHOTO_SIZE, PHOTO_SIZE))

    # then the upload showed its progress to the end, and her photo is shown
    expect(account.notice("Your photo is updated.")).to_be_visible()
    seen = account.upload_progress_seen()
    assert any(entry.startswith("Uploading…") for entry in seen), seen
    assert any(entry.endswith("100%") for entry in seen), seen
    expect(account.alert("not a picture")).to_have_count(0)
    expect(account.photo).to_be_visible()
    assert account.photo.evaluate("img => img.naturalWidth") == PHOTO_SIZE

    # and it is still there after a reload (it is on her profile, not just on the page)
    account.reload()
    expect(account.photo).to_be_visible()
    assert account.photo.evaluate("img => img.naturalWidth") == PHOTO_SIZE
