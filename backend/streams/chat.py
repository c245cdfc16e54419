"""Stream steps for a moment's chat: counting messages on their moment, and the moment's cascade.

Both are safe to run again: a message is counted under a flag set in the same transaction
as the counter, and deleting a partition that is already empty deletes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.store import chat as store

log = logging.getLogger("lumi.streams.chat")

Image = dict[str, Any]


def message_inserted(new: Image) -> None:
    """A chat message was stored: count it on its moment (once, however often this runs).

    When it was counted before, or the message or the moment is gone, there is nothing to do.
    """
    relationship_id, moment_id, message_id = new.get("relationship_id"), new.get("moment_id"), new.get("message_id")
    if not (relationship_id and moment_id and message_id):
        log.warning("a chat message without relationship, moment or id: %s", new.get("sk"))
        return
    store.count_message(str(relationship_id), str(moment_id), str(message_id))


def message_removed(old: Image) -> None:
    """A chat message item is gone.

    Nothing to do: messages are only removed with their moment (or the couple), whose count
    goes with it; a person deleting a message keeps its place (and its count) in the chat.
    """


def delete_for_moment(relationship_id: str, moment_id: str) -> None:
    """Delete every chat item of a deleted moment (messages, receipts, retry ids)."""
    deleted = store.delete_moment_chat(moment_id)
    if deleted:
        log.info("deleted %d chat items of moment %s (couple %s)", deleted, moment_id, relationship_id)
