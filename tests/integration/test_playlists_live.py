"""Playlists live on the full local stack (broker running): every change of a shared playlist is
heard on the couple's ``playlists`` topic, with who made it (and, for a move or a removal, which
entry), so the partner's page shows it without reloading; a personal playlist's changes go to its
creator's own topic only."""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

from pydantic import TypeAdapter

from backend.contracts import PlaylistChangedMessage, RealtimeMessage
from backend.local.stack import LocalStack
from backend.realtime.topics import Channel, couple_topic, user_topic
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_music_shared_filter import put_songs
from tests.integration.test_playlists import add, entries, make_playlist, move
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    MqttClient,
    connect,
    mqtt_port,
    service,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def heard(client: MqttClient, topic: str) -> list[tuple[str, str, str | None]]:
    found = [messages.validate_json(payload) for payload in client.received(topic)]
    return [(m.playlist_id, m.change, m.by_user_id) for m in found if isinstance(m, PlaylistChangedMessage)]


def test_the_partner_hears_each_change_of_a_shared_playlist(
    stack: LocalStack, api: Api, couple: MakeCouple, service: MqttClient
) -> None:
    ana, ben, relationship_id = couple()
    stage = stack.env()["LUMI_STAGE"]
    ours, hers = (
        couple_topic(stage, relationship_id, Channel.PLAYLISTS),
        user_topic(stage, ana.user_id, Channel.PLAYLISTS),
    )
    (song_id,) = put_songs(ana, ["One"])
    # a personal playlist: only her own topic
    personal = make_playlist(api, ana, "Mine")["playlist_id"]
    add(api, ana, personal, [song_id])
    assert service.wait_for(lambda: len(heard(service, hers)) == 2, timeout=30), heard(service, hers)
    # a shared one: the couple's topic, for her changes and his
    shared = make_playlist(api, ana, "Ours", shared=True)["playlist_id"]
    add(api, ana, shared, [song_id, song_id])
    second = entries(api, ben, shared)[1]["entry_id"]
    assert move(api, ben, shared, second, None)[0] == 200
    assert service.wait_for(lambda: len(heard(service, ours)) == 3, timeout=30), heard(service, ours)
    assert heard(service, ours) == [
        (shared, "created", ana.user_id),
        (shared, "entries", ana.user_id),
        (shared, "entries", ben.user_id),
    ]
    assert all(playlist_id == personal for playlist_id, _, _ in heard(service, hers))
    # a move says which entry went where (to the start here), so his page moves the row at once
    changes = [m for m in map(messages.validate_json, service.received(ours)) if isinstance(m, PlaylistChangedMessage)]
    assert changes[-1].moved is not None and changes[-1].moved.model_dump() == {
        "entry_id": second,
        "after_entry_id": None,
    }
    assert changes[1].moved is None and changes[1].removed_entry_id is None
    # a move after another entry names that one; a removal names its entry
    other = entries(api, ben, shared)[1]["entry_id"]  # (the order is now second, other)
    assert move(api, ana, shared, second, other)[0] == 200
    status, _ = api.delete(f"/music/playlists/{shared}/entries/{other}", token=ana.access_token)
    assert status == 204
    assert service.wait_for(lambda: len(heard(service, ours)) == 5, timeout=30), heard(service, ours)
    changes = [m for m in map(messages.validate_json, service.received(ours)) if isinstance(m, PlaylistChangedMessage)]
    assert changes[3].moved is not None and (changes[3].moved.entry_id, changes[3].moved.after_entry_id) == (
        second,
        other,
    )
    assert (changes[4].removed_entry_id, changes[4].moved) == (other, None)
