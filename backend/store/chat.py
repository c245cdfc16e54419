"""A moment's chat in the single table: messages, retry ids, receipts, and the moment's message count.

Everything of a moment's chat lives in its own partition (``MOMENT#{moment_id}``), so the
moment's cascade removes it with one Query, and carries the couple's tenant key, so the
relationship's cascade finds it too. Every write that must not happen twice or half is
one conditional write or one transaction:

* a message is stored only while its moment exists, together with its retry id (a second
  send with the same ``client_id`` finds the first message instead of making another);
* edits, deletes and reactions are conditional updates that pin author and state;
* a receipt's marks only move forward (``attribute_not_exists`` or ``<``: ids sort by time);
* a message is counted on its moment once: flag and counter change in one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from backend.domain.errors import Conflict, NotFound
from backend.store import keys, table
from backend.store.notifications import new_notification_id
from backend.store.records import stored_time
from backend.store.table import Item, TransactionFailed

CHAT_MESSAGE = "ChatMessage"
CHAT_CLIENT_ID = "ChatClientId"
CHAT_RECEIPT = "ChatReceipt"

ReceiptMark = Literal["delivered_up_to", "read_up_to"]


@dataclass(frozen=True)
class Message:
    """One chat message as stored (deleted ones keep their place, with no text)."""

    message_id: str
    moment_id: str
    relationship_id: str
    author_id: str
    text: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    reactions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipts:
    """How far each person has got in a moment's chat: user id → newest message id."""

    delivered_up_to: dict[str, str] = field(default_factory=dict)
    read_up_to: dict[str, str] = field(default_factory=dict)


def _condition_failed(failure: TransactionFailed, index: int) -> bool:
    """Item ``index``'s condition did not hold (a conflict with another transaction is not that)."""
    return index < len(failure.reasons) and failure.reasons[index] == "ConditionalCheckFailed"


def new_message_id(now: datetime | None = None) -> tuple[str, datetime]:
    """Time-ordered like notification ids (µs in hex, then randomness): the chat reads newest first."""
    return new_notification_id(now)


def message_item(message: Message) -> Item:
    return {
        **keys.chat_message(message.moment_id, message.message_id),
        "type": CHAT_MESSAGE,
        "message_id": message.message_id,
        "moment_id": message.moment_id,
        "relationship_id": message.relationship_id,
        "author_id": message.author_id,
        "text": message.text,
        "created_at": stored_time(message.created_at),
        "edited_at": stored_time(message.edited_at) if message.edited_at else None,
        "deleted": message.deleted,
        "reactions": dict(message.reactions),
        **keys.tenant_key(message.relationship_id, "MESSAGE", message.message_id),
    }


def message_from(item: Item) -> Message:
    edited_at = item.get("edited_at")
    return Message(
        message_id=item["message_id"],
        moment_id=item["moment_id"],
        relationship_id=item["relationship_id"],
        author_id=item["author_id"],
        text=item.get("text", ""),
        created_at=datetime.fromisoformat(item["created_at"]),
        edited_at=datetime.fromisoformat(edited_at) if edited_at else None,
        deleted=bool(item.get("deleted", False)),
        reactions={str(user): str(emoji) for user, emoji in (item.get("reactions") or {}).items()},
    )


# ---------------------------------------------------------------- messages


def get_message(moment_id: str, message_id: str) -> Message | None:
    item = table.get(keys.chat_message(moment_id, message_id))
    return message_from(item) if item and item.get("type") == CHAT_MESSAGE else None


def create(message: Message, client_id: str | None, retry_window_seconds: int) -> tuple[Message, bool]:
    """Store a new message while its moment exists; (the message, whether it is new).

    With a ``client_id``, the retry id is put in the same transaction; when it is already
    there (and not expired), this is a retry and the first message is returned instead.
    """
    now = int(time.time())
    operations = [
        table.tx_check(keys.moment(message.relationship_id, message.moment_id), "attribute_exists(pk)"),
        table.tx_put(message_item(message), "attribute_not_exists(pk)"),
    ]
    if client_id:
        retry_id = {
            **keys.chat_client_id(message.moment_id, client_id),
            "type": CHAT_CLIENT_ID,
            "client_id": client_id,
            "moment_id": message.moment_id,
            "message_id": message.message_id,
            "author_id": message.author_id,
            "relationship_id": message.relationship_id,
            "expires_at": now + retry_window_seconds,
            **keys.tenant_key(message.relationship_id, "CLIENT", f"{message.moment_id}#{client_id}"),
        }
        # An expired id the TTL sweeper has not removed yet is free again.
        operations.append(table.tx_put(retry_id, "attribute_not_exists(pk) OR expires_at < :now", {":now": now}))
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if _condition_failed(failure, 0):
            raise NotFound("We could not find that moment.") from failure
        if client_id and _condition_failed(failure, 2):
            return _first_send(message, client_id), False
        raise Conflict("That message clashed with another one. Please send it again.") from failure
    return message, True


def _first_send(message: Message, client_id: str) -> Message:
    """The message a retry id was first used for, if it is the same person's."""
    existing = table.get(keys.chat_client_id(message.moment_id, client_id))
    if existing is None:
        raise Conflict("That message clashed with another one. Please send it again.")
    if existing.get("author_id") != message.author_id:
        raise Conflict("That client id is already used for another message.", code="client_id_taken")
    first = get_message(message.moment_id, str(existing["message_id"]))
    if first is None:
        raise NotFound("We could not find that message.")
    return first


def list_page(moment_id: str, limit: int, next_token: str | None) -> tuple[list[Message], str | None]:
    """A page of a moment's messages, newest first."""
    page = table.query_page(
        ("pk", keys.moment_partition(moment_id)),
        ("sk", keys.MESSAGE_PREFIX),
        limit=limit,
        next_token=next_token,
        forward=False,
    )
    return [message_from(item) for item in page.items], page.next_token


_STILL_THERE = "attribute_exists(pk) AND deleted = :false"


def edit(moment_id: str, message_id: str, author_id: str, text: str, at: datetime) -> Message | None:
    """New text for the author's own, not deleted, message; None when that no longer holds."""
    item = table.update(
        keys.chat_message(moment_id, message_id),
        "SET #text = :text, edited_at = :at",
        {":text": text, ":at": stored_time(at), ":me": author_id, ":false": False},
        names={"#text": "text"},
        condition=f"{_STILL_THERE} AND author_id = :me",
    )
    return message_from(item) if item else None


def soft_delete(moment_id: str, message_id: str, author_id: str, at: datetime) -> Message | None:
    """The author's message keeps its place but loses its text and reactions; None if not theirs (or gone)."""
    item = table.update(
        keys.chat_message(moment_id, message_id),
        "SET #text = :empty, deleted = :true, reactions = :none, deleted_at = :at",
        {":empty": "", ":true": True, ":none": {}, ":at": stored_time(at), ":me": author_id},
        names={"#text": "text"},
        condition="attribute_exists(pk) AND author_id = :me",
    )
    return message_from(item) if item else None


def set_reaction(moment_id: str, message_id: str, user_id: str, emoji: str | None) -> Message | None:
    """The person's one reaction (None removes it) on a message that is not deleted; None otherwise."""
    values: dict[str, Any] = {":false": False}
    if emoji is None:
        expression = "REMOVE reactions.#user"
    else:
        expression = "SET reactions.#user = :emoji"
        values[":emoji"] = emoji
    item = table.update(
        keys.chat_message(moment_id, message_id),
        expression,
        values,
        names={"#user": user_id},
        condition=_STILL_THERE,
    )
    return message_from(item) if item else None


# ---------------------------------------------------------------- receipts


def receipts(moment_id: str) -> Receipts:
    delivered: dict[str, str] = {}
    read: dict[str, str] = {}
    for item in table.query_all(("pk", keys.moment_partition(moment_id)), ("sk", keys.RECEIPT_PREFIX)):
        user_id = str(item.get("user_id", ""))
        if item.get("delivered_up_to"):
            delivered[user_id] = str(item["delivered_up_to"])
        if item.get("read_up_to"):
            read[user_id] = str(item["read_up_to"])
    return Receipts(delivered_up_to=delivered, read_up_to=read)


def advance_receipt(relationship_id: str, moment_id: str, user_id: str, mark: ReceiptMark, up_to: str) -> bool:
    """Move one of a person's marks forward to ``up_to`` while the moment exists; False if it was not behind."""
    tenant = keys.tenant_key(relationship_id, "RECEIPT", f"{moment_id}#{user_id}")
    operations = [
        table.tx_check(keys.moment(relationship_id, moment_id), "attribute_exists(pk)"),
        table.tx_update(
            keys.chat_receipt(moment_id, user_id),
            "SET #type = :type, relationship_id = :rel, moment_id = :moment, user_id = :user, "
            "gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, #mark = :up",
            condition="attribute_not_exists(#mark) OR #mark < :up",
            values={
                ":type": CHAT_RECEIPT,
                ":rel": relationship_id,
                ":moment": moment_id,
                ":user": user_id,
                ":gsi2pk": tenant["gsi2pk"],
                ":gsi2sk": tenant["gsi2sk"],
                ":up": up_to,
            },
            names={"#type": "type", "#mark": mark},
        ),
    ]
    try:
        table.transact(operations)
    except TransactionFailed as failure:
        if _condition_failed(failure, 0):
            raise NotFound("We could not find that moment.") from failure
        if _condition_failed(failure, 1):
            return False
        raise
    return True


# ---------------------------------------------------------------- stream steps


def count_message(relationship_id: str, moment_id: str, message_id: str) -> bool:
    """Add a stored message to its moment's ``message_count``, once; False when counted before or gone."""
    try:
        table.transact(
            [
                table.tx_update(
                    keys.chat_message(moment_id, message_id),
                    "SET counted = :true",
                    condition="attribute_exists(pk) AND attribute_not_exists(counted)",
                    values={":true": True},
                ),
                table.tx_update(
                    keys.moment(relationship_id, moment_id),
                    "ADD message_count :one",
                    condition="attribute_exists(pk)",
                    values={":one": 1},
                ),
            ]
        )
    except TransactionFailed as failure:
        if _condition_failed(failure, 0) or _condition_failed(failure, 1):
            return False  # counted before, or the message or the moment is gone: nothing to do
        raise
    return True


def delete_moment_chat(moment_id: str) -> int:
    """Remove every item of a moment's chat partition (messages, receipts, retry ids); how many went."""
    found = [keys.key_of(item) for item in table.query_all(("pk", keys.moment_partition(moment_id)))]
    return table.batch_delete(found) if found else 0
