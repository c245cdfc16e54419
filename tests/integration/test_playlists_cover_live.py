"""A playlist's new or removed cover is heard live on the full local stack (broker running): a
``playlist_changed`` ``updated`` on the couple's topic, so the partner's page refetches. (Its own
module: the broker's ``stack`` fixture replaces the API-only one for the whole module.)"""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

from pydantic import TypeAdapter

from backend.contracts import PlaylistChangedMessage, RealtimeMessage
from backend.local.stack import LocalStack
from backend.realtime.topics import Channel, couple_topic
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_playlists import make_playlist
from tests.integration.test_playlists_cover import picture, remove, set_cover
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    MqttClient,
    connect,
    mqtt_port,
    service,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def test_the_partner_hears_a_new_cover(stack: LocalStack, api: Api, couple: MakeCouple, service: MqttClient) -> None:
    ana, _, relationship_id = couple()
    ours = couple_topic(stack.env()["LUMI_STAGE"], relationship_id, Channel.PLAYLISTS)
    playlist_id = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    set_cover(api, ana, playlist_id, picture((90, 90)))
    assert remove(api, ana, playlist_id)[0] == 200

    def heard() -> list[tuple[str, str, str | None]]:
        found = [messages.validate_json(payload) for payload in service.received(ours)]
        return [(m.playlist_id, m.change, m.by_user_id) for m in found if isinstance(m, PlaylistChangedMessage)]

    assert service.wait_for(lambda: len(heard()) == 3, timeout=30), heard()
    assert heard() == [
        (playlist_id, "created", ana.user_id),
        (playlist_id, "updated", ana.user_id),
        (playlist_id, "updated", ana.user_id),
    ]
