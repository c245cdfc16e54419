"""Live "please refetch" signals for the pairing screens: a ``CoupleChangedMessage``.

The message carries only a reason; the screens read the truth from the API. Every change
goes on the ``events`` topic of each person concerned (before pairing there is no couple
topic, and right after it their screens do not know the couple id yet); changes of an
existing couple also go on the couple's ``events`` topic. Best effort: stored state is
what counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from backend.contracts import CoupleChangedMessage
from backend.realtime.publisher import try_publish
from backend.realtime.topics import Channel, couple_topic, user_topic
from backend.settings import get_settings

Reason = Literal[
    "request_sent",
    "request_accepted",
    "request_declined",
    "request_cancelled",
    "anniversary_changed",
    "partner_left",
]


def couple_changed(reason: Reason, relationship_id: str | None = None, user_ids: Iterable[str] = ()) -> None:
    """Tell the couple (when there is one) and each of ``user_ids`` that their pairing view changed."""
    stage = get_settings().stage
    message = CoupleChangedMessage(reason=reason)
    if relationship_id:
        try_publish(couple_topic(stage, relationship_id, Channel.EVENTS), message)
    for user_id in dict.fromkeys(user_ids):
        try_publish(user_topic(stage, user_id, Channel.EVENTS), message)


__all__ = ["Reason", "couple_changed"]
