"""What a picture upload (a profile photo, a song's cover) shares: the checks made before asking
for a ticket, the words for a refused post, and the calls into ``assets/lumi-upload.js``.

The flow: ``describe_script`` asks the browser what file is chosen → :func:`image_problem`
checks it → the API hands out a presigned POST (an ``UploadTicket``) → ``post_script`` has the
browser post the file to storage → :func:`storage_problem` reads its result → the API confirms
it → ``clear_script`` empties the input.
"""

from __future__ import annotations

import json
from typing import Any

from backend.contracts import AVATAR_CONTENT_TYPES, UploadTicket

IMAGE_CONTENT_TYPES = AVATAR_CONTENT_TYPES
IMAGE_HINT = "JPEG, PNG or WebP, up to 5 MB."


def image_problem(chosen: dict[str, Any] | None, max_bytes: int, noun: str = "photo") -> str:
    """Why this chosen file (``lumiUpload.describe``'s answer) can't be sent, or ""."""
    if not chosen:
        return f"Choose a {noun} first."
    content_type = str(chosen.get("type") or "")
    size = int(chosen.get("size") or 0)
    if content_type not in IMAGE_CONTENT_TYPES:
        return "Choose a JPEG, PNG or WebP image."
    if size <= 0:
        return f"That file is empty, choose another {noun}."
    if size > max_bytes:
        return f"That {noun} is larger than {max_bytes // (1024 * 1024)} MB, choose a smaller one."
    return ""


def storage_problem(result: dict[str, Any] | None, noun: str = "photo") -> str:
    """What went wrong with the browser's post to storage (``lumiUpload.post``'s answer), or ""."""
    result = result or {}
    if result.get("ok"):
        return ""
    if result.get("reason") == "network":
        return "Lumi's storage can't be reached, try again."
    return f"The {noun} was refused by storage (too large or not an image), try another one."


def describe_script(input_id: str) -> str:
    return f"window.lumiUpload.describe({json.dumps(input_id)})"


def post_script(input_id: str, ticket: UploadTicket, progress_id: str) -> str:
    ticket_json = json.dumps({"url": ticket.url, "fields": ticket.fields})
    return f"window.lumiUpload.post({json.dumps(input_id)}, {ticket_json}, {json.dumps(progress_id)})"


def clear_script(input_id: str) -> str:
    return f"window.lumiUpload.clear({json.dumps(input_id)})"


__all__ = [
    "IMAGE_CONTENT_TYPES",
    "IMAGE_HINT",
    "clear_script",
    "describe_script",
    "image_problem",
    "post_script",
    "storage_problem",
]
