"""The chat of a moment: who may read and write it, and what each change tells the couple.

A moment's chat is visible to the couple that owns the moment and to nobody else (a
moment of another couple, or none at all, is a 404 on every route). Either partner writes;
only the author edits or deletes a message (403 for the partner's), and a deleted message
keeps its place without text or reactions. Each person has at most one reaction per
message, and it must be one emoji. Receipts say how far each person got (delivered, read)
and only move forward.

Every change is published on the couple's chat topic (best effort: the stored chat is the
truth, screens re-read it). A new message to a partner who is away (idle or offline) also
becomes a notification, so it reaches them by push.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from backend import contracts
from backend.domain import notifications
from backend.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from backend.domain.models import Caller
from backend.domain.moments import visible_moment
from backend.realtime import presence
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic
from backend.settings import get_settings
from backend.store import chat as store
from backend.store import relationships, users
from backend.store.moments import MomentRecord

log = logging.getLogger("lumi.chat")

PAGE_DEFAULT = contracts.MESSAGES_PAGE_DEFAULT
PAGE_MAX = contracts.MESSAGES_PAGE_MAX
# How long a client id keeps a retried send from making a second message.
RETRY_WINDOW_SECONDS = 24 * 60 * 60
NOTIFICATION_KIND = "moment_message"

# ---------------------------------------------------------------- pure rules

# Message ids: creation time in µs (14 hex digits), then 16 random hex digits.
_MESSAGE_ID = re.compile(r"^[0-9a-f]{30}$")


def looks_like_message_id(value: str) -> bool:
    return bool(_MESSAGE_ID.match(value))


# Unicode's Extended_Pictographic property (emoji-data.txt, including the ranges it reserves
# for future emoji): Python's unicodedata has no emoji properties.
_PICTOGRAPHIC_TABLE = (
    "A9 AE 203C 2049 2122 2139 2194-2199 21A9-21AA 231A-231B 2328 23CF 23E9-23F3 23F8-23FA 24C2 25AA-25AB "
    "25B6 25C0 25FB-25FE 2600-2604 260E 2611 2614-2615 2618 261D 2620 2622-2623 2626 262A 262E-262F "
    "2638-263A 2640 2642 2648-2653 265F-2660 2663 2665-2666 2668 267B 267E-267F 2692-2697 2699 269B-269C "
    "26A0-26A1 26A7 26AA-26AB 26B0-26B1 26BD-26BE 26C4-26C5 26C8 26CE-26CF 26D1 26D3-26D4 26E9-26EA "
    "26F0-26F5 26F7-26FA 26FD 2702 2705 2708-270D 270F 2712 2714 2716 271D 2721 2728 2733-2734 2744 2747 "
    "274C 274E 2753-2755 2757 2763-2764 2795-2797 27A1 27B0 27BF 2934-2935 2B05-2B07 2B1B-2B1C 2B50 2B55 "
    "3030 303D 3297 3299 1F004 1F02C-1F02F 1F094-1F09F 1F0AF-1F0B0 1F0C0 1F0CF-1F0D0 1F0F6-1F0FF "
    "1F170-1F171 1F17E-1F17F 1F18E 1F191-1F19A 1F1AF-1F1E5 1F201-1F20F 1F21A 1F22F 1F232-1F23A "
    "1F23C-1F23F 1F249-1F25F 1F266-1F321 1F324-1F393 1F396-1F397 1F399-1F39B 1F39E-1F3F0 1F3F3-1F3F5 "
    "1F3F7-1F3FA 1F400-1F4FD 1F4FF-1F53D 1F549-1F54E 1F550-1F567 1F56F-1F570 1F573-1F57A 1F587 "
    "1F58A-1F58D 1F590 1F595-1F596 1F5A4-1F5A5 1F5A8 1F5B1-1F5B2 1F5BC 1F5C2-1F5C4 1F5D1-1F5D3 "
    "1F5DC-1F5DE 1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA-1F64F 1F680-1F6C5 1F6CB-1F6D2 1F6D5-1F6E5 1F6E9 "
    "1F6EB-1F6F0 1F6F3-1F6FF 1F7DC-1F7F0 1F80C-1F80F 1F848-1F84F 1F85A-1F85F 1F888-1F88F 1F8AE-1F8AF "
    "1F8BC-1F8BF 1F8C2-1F8CF 1F8D9-1F8FF 1F90C-1F93A 1F93C-1F945 1F947-1F9FF 1FA58-1FA5F 1FA6E-1FAFF "
    "1FC00-1FFFD"
)


def _ranges(table: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for token in table.split():
        first, _, last = token.partition("-")
        starts.append(int(first, 16))
        ends.append(int(last or first, 16))
    return starts, ends


_PICTOGRAPHIC_STARTS, _PICTOGRAPHIC_ENDS = _ranges(_PICTOGRAPHIC_TABLE)

ZWJ = 0x200D
EMOJI_STYLE = 0xFE0F
TEXT_STYLE = 0xFE0E
KEYCAP = 0x20E3
SKIN_TONES = range(0x1F3FB, 0x1F400)
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
TAG_CHARACTERS = range(0xE0020, 0xE007F)
CANCEL_TAG = 0xE007F
KEYCAP_BASES = frozenset(map(ord, "0123456789#*"))


def _pictographic(code_point: int) -> bool:
    at = bisect.bisect_right(_PICTOGRAPHIC_STARTS, code_point) - 1
    return at >= 0 and code_point <= _PICTOGRAPHIC_ENDS[at]


def _emoji_element(code_points: list[int]) -> bool:
    """A pictograph with an optional emoji-style selector and skin tone, or a tag sequence (subdivision flags)."""
    if not code_points or not _pictographic(code_points[0]):
        return False
    rest = code_points[1:]
    if rest and rest[-1] == CANCEL_TAG:
        return len(rest) >= 2 and all(c in TAG_CHARACTERS for c in rest[:-1])
    if rest and rest[0] == EMOJI_STYLE:
        rest = rest[1:]
    if rest and rest[0] in SKIN_TONES:
        rest = rest[1:]
    if rest and rest[0] == EMOJI_STYLE:
        rest = rest[1:]
    return not rest


def is_single_emoji(value: str) -> bool:
    """One emoji as people see it: a pictograph (with its selector, skin tone, tags), a flag,
    a keycap, or a ZWJ sequence of pictographs (families, professions, ❤️‍🔥) — never letters,
    digits, punctuation or more than one."""
    code_points = [ord(ch) for ch in value]
    if not code_points or len(code_points) > 16:
        return False
    if len(code_points) == 2 and all(c in REGIONAL_INDICATORS for c in code_points):
        return True
    if code_points[0] in KEYCAP_BASES:
        return code_points[1:] in ([KEYCAP], [EMOJI_STYLE, KEYCAP])
    elements: list[list[int]] = [[]]
    for code_point in code_points:
        if code_point == ZWJ:
            elements.append([])
        else:
            elements[-1].append(code_point)
    return all(_emoji_element(element) for element in elements)


def check_reaction(emoji: str | None) -> str | None:
    """A reaction is one emoji (or None, which removes it); anything else is a 422."""
    if emoji is None:
        return None
    if not is_single_emoji(emoji):
        raise ValidationFailed({"emoji": "Choose one emoji."})
    return emoji


_LINE_BREAKS_AND_TABS = frozenset("\n\r\t")


def check_text(text: str) -> str:
    """Messages are text to show: line breaks and tabs, but no other control characters (NUL, escapes…)."""
    if any(unicodedata.category(ch) == "Cc" and ch not in _LINE_BREAKS_AND_TABS for ch in text):
        raise ValidationFailed({"text": "Use text only: no control characters."})
    return text


def check_up_to(up_to: str) -> str:
    if not looks_like_message_id(up_to):
        raise ValidationFailed({"up_to": "That is not the id of a chat message."})
    return up_to


def notification_title(author_name: str, moment_title: str) -> str:
    return f"{author_name} on “{moment_title}”"


def watch_link(moment_id: str) -> str:
    return f"/moments/watch?id={moment_id}"


# ---------------------------------------------------------------- use cases


@dataclass(frozen=True)
class ChatPlace:
    """The caller and the moment (of their couple) whose chat they are in."""

    user_id: str
    moment: MomentRecord

    @property
    def relationship_id(self) -> str:
        return self.moment.relationship_id


def _place(caller: Caller, moment_id: str) -> ChatPlace:
    """The moment's chat, if the moment is the caller's couple's (else NotFound, like a missing one)."""
    return ChatPlace(user_id=caller.user_id, moment=visible_moment(caller, moment_id))


def _message(place: ChatPlace, moment_id: str, message_id: str) -> store.Message:
    message = store.get_message(moment_id, message_id) if looks_like_message_id(message_id) else None
    if message is None or message.relationship_id != place.relationship_id:
        raise NotFound("We could not find that message.")
    return message


def _publish(relationship_id: str, message: BaseModel) -> None:
    try_publish(couple_topic(get_settings().stage, relationship_id, Channel.CHAT), message)


def _changed(place: ChatPlace, change: contracts.ChatChange, message: store.Message) -> None:
    _publish(place.relationship_id, contracts.ChatMessageEvent(change=change, message=as_contract(message)))


def _now() -> datetime:
    return datetime.now(UTC)


def send(caller: Caller, moment_id: str, text: str, client_id: str | None = None) -> tuple[store.Message, bool]:
    """Post a message (or, for a retry with the same ``client_id``, find the first one); (message, new?)."""
    text = check_text(text)
    place = _place(caller, moment_id)
    message_id, created_at = store.new_message_id()
    message = store.Message(
        message_id=message_id,
        moment_id=moment_id,
        relationship_id=place.relationship_id,
        author_id=place.user_id,
        text=text,
        created_at=created_at,
    )
    stored, created = store.create(message, client_id, RETRY_WINDOW_SECONDS)
    if created:
        _changed(place, "created", stored)
        _tell_partner_if_away(place, stored)
    return stored, created


def _tell_partner_if_away(place: ChatPlace, message: store.Message) -> None:
    """A partner who is not looking (idle or offline) gets a notification; best effort, the message is stored."""
    try:
        relationship = relationships.get_relationship(place.relationship_id)
        if relationship is None or place.user_id not in relationship.partner_ids:
            return
        partner_id = relationship.partner_of(place.user_id)
        if presence.is_online(partner_id):
            return
        author = users.require(place.user_id)
        notifications.notify(
            partner_id,
            "moments",
            NOTIFICATION_KIND,
            notification_title(author.display_name, place.moment.title),
            message.text,
            watch_link(message.moment_id),
            relationship_id=place.relationship_id,
        )
    except DomainError as error:
        log.warning("could not notify about message %s: %s", message.message_id, error.message)
    except Exception:  # the message is stored and published: a failed courtesy must not fail the send
        log.exception("notifying about message %s failed", message.message_id)


def edit(caller: Caller, moment_id: str, message_id: str, text: str) -> store.Message:
    """The author changes their message's text."""
    text = check_text(text)
    place = _place(caller, moment_id)
    message = _message(place, moment_id, message_id)
    _own_and_there(place, message)
    edited = store.edit(moment_id, message_id, place.user_id, text, _now())
    if edited is None:  # deleted (or gone) in the meantime
        _own_and_there(place, _message(place, moment_id, message_id))
        raise Conflict("That message changed meanwhile. Please try again.")
    _changed(place, "edited", edited)
    return edited


def _own_and_there(place: ChatPlace, message: store.Message) -> None:
    if message.author_id != place.user_id:
        raise Forbidden("Only its author can change a message.")
    if message.deleted:
        raise Conflict("That message was deleted.", code="message_deleted")


def delete(caller: Caller, moment_id: str, message_id: str) -> store.Message:
    """The author deletes their message: it stays in place, without text. Deleting it again changes nothing."""
    place = _place(caller, moment_id)
    message = _message(place, moment_id, message_id)
    if message.author_id != place.user_id:
        raise Forbidden("Only its author can delete a message.")
    if message.deleted:
        return message
    deleted = store.soft_delete(moment_id, message_id, place.user_id, _now())
    if deleted is None:
        raise NotFound("We could not find that message.")
    _changed(place, "deleted", deleted)
    return deleted


def react(caller: Caller, moment_id: str, message_id: str, emoji: str | None) -> store.Message:
    """Set (or with None, remove) the caller's one reaction to a message of either partner."""
    emoji = check_reaction(emoji)
    place = _place(caller, moment_id)
    message = _message(place, moment_id, message_id)
    deleted = Conflict("You cannot react to a deleted message.", code="message_deleted")
    if message.deleted:
        raise deleted
    reacted = store.set_reaction(moment_id, message_id, place.user_id, emoji)
    if reacted is None:
        raise deleted
    _changed(place, "reaction", reacted)
    return reacted


@dataclass(frozen=True)
class MessagePage:
    items: list[store.Message]
    next_token: str | None
    receipts: store.Receipts


def list_page(caller: Caller, moment_id: str, limit: int = PAGE_DEFAULT, next_token: str | None = None) -> MessagePage:
    """A page of the chat, newest first, with how far each partner has got."""
    _place(caller, moment_id)
    items, token = store.list_page(moment_id, max(1, min(limit, PAGE_MAX)), next_token)
    return MessagePage(items=items, next_token=token, receipts=store.receipts(moment_id))


def typing(caller: Caller, moment_id: str, announce: bool = True) -> None:
    """The caller is typing in the moment's chat: tell the partner's screen (unless told not to)."""
    place = _place(caller, moment_id)
    if announce:
        _publish(place.relationship_id, contracts.ChatTypingMessage(moment_id=moment_id, user_id=place.user_id))


def mark(caller: Caller, moment_id: str, up_to: str, read: bool) -> store.Receipts:
    """The caller's device has received (and, with ``read``, shown) the chat up to ``up_to``."""
    up_to = check_up_to(up_to)
    place = _place(caller, moment_id)
    moved = store.advance_receipt(place.relationship_id, moment_id, place.user_id, "delivered_up_to", up_to)
    if read:
        moved = store.advance_receipt(place.relationship_id, moment_id, place.user_id, "read_up_to", up_to) or moved
    receipts = store.receipts(moment_id)
    if moved:
        update = contracts.ChatReceiptMessage(moment_id=moment_id, receipts=receipts_contract(receipts))
        _publish(place.relationship_id, update)
    return receipts


# ---------------------------------------------------------------- the public shape


def as_contract(message: store.Message) -> contracts.ChatMessage:
    return contracts.ChatMessage(
        message_id=message.message_id,
        moment_id=message.moment_id,
        author_id=message.author_id,
        text="" if message.deleted else message.text,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted=message.deleted,
        reactions={} if message.deleted else dict(message.reactions),
    )


def receipts_contract(receipts: store.Receipts) -> contracts.ChatReceipts:
    return contracts.ChatReceipts(delivered_up_to=dict(receipts.delivered_up_to), read_up_to=dict(receipts.read_up_to))
