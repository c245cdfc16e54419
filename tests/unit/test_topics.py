"""Topic names are built and parsed in one place."""

from __future__ import annotations

import pytest

from backend.realtime.topics import (
    Channel,
    Topic,
    couple_prefix,
    couple_topic,
    parse_topic,
    service_subscriptions,
    user_prefix,
    user_topic,
)


def test_user_and_couple_topics() -> None:
    assert user_topic("prod", "u1", Channel.NOTIFICATIONS) == "lumi/prod/u/u1/notifications"
    assert user_topic("prod", "u1", Channel.EVENTS) == "lumi/prod/u/u1/events"
    assert couple_topic("prod", "r1", Channel.PRESENCE) == "lumi/prod/r/r1/presence"
    assert user_topic("prod", "u1", "notifications").startswith(user_prefix("prod", "u1"))
    assert couple_topic("prod", "r1", "events").startswith(couple_prefix("prod", "r1"))


def test_the_service_subscribes_to_every_person_and_couple_of_its_stage() -> None:
    assert service_subscriptions("prod") == ["lumi/prod/u/+/#", "lumi/prod/r/+/#"]


def test_parse_round_trips() -> None:
    assert parse_topic(couple_topic("s", "r1", Channel.PRESENCE)) == Topic("s", "r", "r1", "presence")
    assert parse_topic("lumi/s/u/u1/a/b") == Topic("s", "u", "u1", "a/b")


@pytest.mark.parametrize(
    "topic",
    ["", "lumi/s/u/u1", "other/s/u/u1/x", "lumi/s/x/u1/notifications", "lumi/s/u/+/x", "lumi/s/u//x", "lumi/#/u/a/x"],
)
def test_parse_refuses_what_is_not_a_concrete_lumi_topic(topic: str) -> None:
    assert parse_topic(topic) is None
