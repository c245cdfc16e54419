"""Stream steps for notifications: keep each person's unread count exact.

Every committed change of a notification arrives here. When its image shows it unread but
not yet counted, or read but still counted, :func:`backend.store.notifications.settle`
brings flag and counter together in one conditional transaction, re-reading the item
first: a replayed or out-of-order record finds nothing left to do. A counted notification
that is deleted is counted down once, guarded by an item that remembers it was.
"""

from __future__ import annotations

from typing import Any

from backend.store import notifications as store

Image = dict[str, Any]


def unsettled(image: Image) -> bool:
    """Whether this image of a notification disagrees with the count (unread ⇔ counted)."""
    return ("read_at" not in image) != bool(image.get("unread_counted"))


def notification_changed(new: Image) -> None:
    if unsettled(new):
        store.settle(new["recipient_id"], [new["notification_id"]])


def notification_removed(old: Image) -> None:
    store.notification_removed(old)
