"""Songs on the full local stack (broker and pollers running): the owner's screens hear each
song appear as "processing" and become ready (or refused), without asking; nobody else hears."""

# ruff: noqa: F811 - the fixtures imported from test_realtime_broker are requested by parameter name

from __future__ import annotations

from pydantic import TypeAdapter

from backend.contracts import RealtimeMessage, SongChangedMessage
from backend.local.stack import LocalStack
from backend.realtime.topics import Channel, user_topic
from tests.audio import make_song
from tests.integration.conftest import Api, MakeCouple
from tests.integration.test_music_uploads import confirm, upload_song
from tests.integration.test_realtime_broker import (  # noqa: F401 - fixtures, requested by name
    MqttClient,
    connect,
    mqtt_port,
    service,
    stack,
)

messages = TypeAdapter(RealtimeMessage)


def changes(client: MqttClient, topic: str) -> list[tuple[str, str]]:
    heard = [messages.validate_json(payload) for payload in client.received(topic)]
    return [(m.song_id, m.change) for m in heard if isinstance(m, SongChangedMessage)]


def test_the_owner_hears_songs_become_ready_or_refused(
    stack: LocalStack, api: Api, couple: MakeCouple, service: MqttClient
) -> None:
    # given a person with a partner, and the service listening to the stage (as the Reflex backend does)
    ana, ben, _ = couple()
    stage = stack.env()["LUMI_STAGE"]
    mine, partners = user_topic(stage, ana.user_id, Channel.MUSIC), user_topic(stage, ben.user_id, Channel.MUSIC)
    # when Ana uploads a song and a file that is not one, and the pollers run the music job
    good = upload_song(api, ana, make_song("ogg", seconds=1, frequency=610))["song_id"]
    bad = upload_song(api, ana, b"OggS" + b"\x00" * 3000, "audio/ogg", "noise.ogg")["song_id"]
    assert confirm(api, ana, good)[0] == 201
    assert confirm(api, ana, bad)[0] == 201
    # then her music topic hears each appear and end, in order per song
    assert service.wait_for(lambda: len(changes(service, mine)) == 4, timeout=30), changes(service, mine)
    heard = changes(service, mine)
    assert [change for song, change in heard if song == good] == ["created", "ready"]
    assert [change for song, change in heard if song == bad] == ["created", "refused"]
    assert api.get(f"/music/songs/{good}", token=ana.access_token)[1]["status"] == "ready"
    # and her partner's topic heard nothing of her private songs
    assert changes(service, partners) == []
