"""MQTT topic names: one person's and one couple's. Pure functions, shared by every side.

``lumi/{stage}/u/{user_id}/{channel}`` reaches one person, ``lumi/{stage}/r/{rel_id}/{channel}``
the couple. The authorizer allows a person only their own user topics and their own
couple's topics; the Reflex backend (a service principal) subscribes to all of a stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

ROOT = "lumi"
Scope = Literal["u", "r"]


class Channel(StrEnum):
    NOTIFICATIONS = "notifications"  # u: a new notification, read-state changes
    PRESENCE = "presence"  # r: a partner went online / idle / offline
    # r: something in the couple's space changed (anniversary, a partner left…);
    # u: something about one person's pairing changed (a partner request arrived, was
    # accepted, declined or cancelled), before there is a couple topic to use.
    EVENTS = "events"
    MOMENTS = "moments"  # r: a moment appeared, changed, got its thumbnail or was deleted
    CHAT = "chat"  # r: chat messages, reactions, typing and receipts of the couple's moments
    DATES = "dates"  # r: one of the couple's dates was added, changed or deleted
    MUSIC = "music"  # u: one of my songs (or one shared with me) appeared, became ready or refused, changed
    PLAYLISTS = "playlists"  # r: a shared playlist changed; u: a personal playlist changed


@dataclass(frozen=True)
class Topic:
    stage: str
    scope: Scope
    owner_id: str
    channel: str

    def __str__(self) -> str:
        return f"{ROOT}/{self.stage}/{self.scope}/{self.owner_id}/{self.channel}"


def user_topic(stage: str, user_id: str, channel: Channel | str) -> str:
    return str(Topic(stage, "u", user_id, str(channel)))


def couple_topic(stage: str, relationship_id: str, channel: Channel | str) -> str:
    return str(Topic(stage, "r", relationship_id, str(channel)))


def user_prefix(stage: str, user_id: str) -> str:
    return f"{ROOT}/{stage}/u/{user_id}/"


def couple_prefix(stage: str, relationship_id: str) -> str:
    return f"{ROOT}/{stage}/r/{relationship_id}/"


def service_subscriptions(stage: str) -> list[str]:
    """What the Reflex backend subscribes to: every person's and every couple's topics."""
    return [f"{ROOT}/{stage}/u/+/#", f"{ROOT}/{stage}/r/+/#"]


def service_client_id_prefix(stage: str) -> str:
    """How the client id of each Reflex backend process's connection starts (IoT Core admits no other for the service).

    A person's client ids start with their user id (a UUID), so no person can take one of these.
    """
    return f"{ROOT}-{stage}-app-"


def parse_topic(topic: str) -> Topic | None:
    """The parts of a concrete topic (no wildcards), or None when it is not one of Lumi's."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != ROOT or parts[2] not in ("u", "r"):
        return None
    if any(p in ("", "+", "#") for p in parts[:4]):
        return None
    return Topic(parts[1], parts[2], parts[3], "/".join(parts[4:]))  # type: ignore[arg-type]
