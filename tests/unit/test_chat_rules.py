"""Pure chat rules: what a reaction may be, what a message id looks like, the public shape of a message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.contracts import ChatReactionSet
from backend.domain.chat import (
    as_contract,
    check_reaction,
    check_text,
    check_up_to,
    is_single_emoji,
    looks_like_message_id,
    notification_title,
    watch_link,
)
from backend.domain.errors import ValidationFailed
from backend.store.chat import Message, message_from, message_item, new_message_id

NOW = datetime(2024, 2, 14, 20, 30, tzinfo=UTC)

ONE_EMOJI = [
    "👍",  # one pictograph
    "❤",  # text-style by default, still an emoji
    "❤️",  # with the emoji-style selector
    "👍🏽",  # with a skin tone
    "👋🏿",
    "🇫🇷",  # a flag: two regional indicators
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # a subdivision flag: tag sequence
    "1️⃣",  # keycaps
    "#⃣",
    "👨‍👩‍👧‍👦",  # a family: ZWJ sequence
    "🧑🏽‍🤝‍🧑🏻",  # ZWJ with skin tones
    "❤️‍🔥",
    "🏳️‍🌈",
    "👁️‍🗨️",
    "👩‍🦰",
    "©️",
    "🫶",  # newer than this Python's Unicode database
    "🫨",
]

NOT_ONE_EMOJI = [
    "",
    " ",
    "a",
    "ok",
    "1",
    "#",
    "!",
    "😀😀",  # two
    "👍 ",  # trailing space
    " 👍",
    "👍a",
    "🇫",  # half a flag
    "🇫🇷🇩🇪",  # two flags
    "🏽",  # a skin tone alone
    "👍🏽🏽",
    "\u200d",  # a joiner alone
    "👍\u200d",  # dangling joiner
    "\u200d👍",
    "❤\ufe0e",  # explicitly text style
    "\ufe0f",
    "1\ufe0f",  # a digit that is no keycap
    "é",
    "中",
    "→",
    "\u0000",
    "<script>",
    "🏴󠁧󠁢",  # tags without the cancel tag
]


@pytest.mark.parametrize("emoji", ONE_EMOJI)
def test_one_emoji_is_a_reaction(emoji: str) -> None:
    assert is_single_emoji(emoji)
    assert check_reaction(emoji) == emoji


@pytest.mark.parametrize("text", NOT_ONE_EMOJI)
def test_letters_digits_text_and_several_emoji_are_not(text: str) -> None:
    assert not is_single_emoji(text)
    with pytest.raises(ValidationFailed) as refused:
        check_reaction(text)
    assert "emoji" in refused.value.fields


def test_no_reaction_removes_it() -> None:
    assert check_reaction(None) is None


def test_the_contract_keeps_null_for_removing() -> None:
    assert ChatReactionSet.model_validate({"emoji": None}).emoji is None


def test_messages_are_text_with_line_breaks_but_no_other_control_characters() -> None:
    hebrew = "\u200fעברית\u200f"  # with right-to-left marks (format characters): fine
    assert check_text(f"Look!\nThe waves\t🌊 {hebrew}") == f"Look!\nThe waves\t🌊 {hebrew}"
    for text in ("a\x00b", "bell\x07", "\x1b[31mred", "del\x7f", "c1\x85"):
        with pytest.raises(ValidationFailed) as refused:
            check_text(text)
        assert "text" in refused.value.fields


def test_message_ids_sort_by_time_and_look_like_message_ids() -> None:
    # given ids made a microsecond apart, in order
    earlier, _ = new_message_id(datetime(2024, 2, 14, 20, 30, 0, 1, tzinfo=UTC))
    later, created_at = new_message_id(datetime(2024, 2, 14, 20, 30, 0, 2, tzinfo=UTC))

    # then they compare as their times do, and pass the receipt check
    assert earlier < later
    assert created_at == datetime(2024, 2, 14, 20, 30, 0, 2, tzinfo=UTC)
    assert looks_like_message_id(earlier) and check_up_to(later) == later


@pytest.mark.parametrize("value", ["", "abc", "X" * 30, "0" * 29, "0" * 31, "0" * 29 + "G", "../" + "0" * 27])
def test_receipts_need_something_shaped_like_a_message_id(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_up_to(value)
    assert "up_to" in refused.value.fields


def test_a_stored_message_reads_back_the_same() -> None:
    # given a message with an edit and a reaction
    message = Message("0" * 30, "m1", "r1", "u1", "hi", NOW, edited_at=NOW, reactions={"u2": "👍"})

    # when it is turned into an item and back
    item = message_item(message)

    # then it is the same message, in the moment's partition, with the couple's tenant key
    assert message_from(item) == message
    assert item["pk"] == "MOMENT#m1" and item["sk"] == f"MESSAGE#{'0' * 30}"
    assert item["type"] == "ChatMessage" and item["gsi2pk"] == "REL#r1"


def test_a_deleted_message_shows_no_text_and_no_reactions() -> None:
    deleted = Message("0" * 30, "m1", "r1", "u1", "secret", NOW, deleted=True, reactions={"u2": "👍"})
    shown = as_contract(deleted)
    assert shown.deleted and shown.text == "" and shown.reactions == {}


def test_the_notification_names_the_author_and_the_moment() -> None:
    assert notification_title("Ana", "Beach day") == "Ana on “Beach day”"
    assert watch_link("m1") == "/moments/watch?id=m1"
