"""Moments on the full local stack (broker and pollers running): the couple's screens hear a
moment appear, get its thumbnail, change and go, without asking."""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

from pydantic import TypeAdapter

from backend.contracts import MomentChangedMessage, RealtimeMessage
from backend.local.stack import LocalStack
from backend.realtime.topics import Channel, couple_topic
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_moments import share
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    MqttClient,
    connect,
    mqtt_port,
    service,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def changes(client: MqttClient, topic: str) -> list[tuple[str, str, str | None]]:
    heard = [messages.validate_json(payload) for payload in client.received(topic)]
    return [(m.moment_id, m.change, m.by_user_id) for m in heard if isinstance(m, MomentChangedMessage)]


def test_the_couple_hears_a_moment_appear_get_its_thumbnail_change_and_go(
    stack: LocalStack, api: Api, couple: MakeCouple, service: MqttClient
) -> None:
    # given a couple, and the service listening to the stage (as the Reflex backend does)
    ana, _, rel = couple()
    topic = couple_topic(stack.env()["LUMI_STAGE"], rel, Channel.MOMENTS)
    # when Ana shares a moment, the pollers make its thumbnail, she edits it and deletes it
    moment = share(api, ana, tags=["live"])
    moment_id = moment["moment_id"]
    assert service.wait_for(lambda: (moment_id, "thumbnail_ready", None) in changes(service, topic), timeout=20)
    assert api.get(f"/moments/{moment_id}", token=ana.access_token)[1]["thumbnail_url"]
    assert api.patch(f"/moments/{moment_id}", {"title": "Renamed"}, token=ana.access_token)[0] == 200
    assert api.delete(f"/moments/{moment_id}", token=ana.access_token)[0] == 204
    # then the couple's topic heard each, in order, saying who did it
    assert service.wait_for(lambda: len(changes(service, topic)) == 4, timeout=10), changes(service, topic)
    assert changes(service, topic) == [
        (moment_id, "created", ana.user_id),
        (moment_id, "thumbnail_ready", None),
        (moment_id, "updated", ana.user_id),
        (moment_id, "deleted", ana.user_id),
    ]
