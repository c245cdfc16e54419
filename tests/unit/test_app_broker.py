"""The app server's MQTT connection: which client the settings choose, and what the IoT SDK is given.

Nothing here connects: IoT Core is not reachable offline (and the local amqtt broker speaks
neither MQTT 5 nor custom authorizers), so the IoT client is built by the SDK's own builder
and inspected before it starts; the paho path is covered against the real local broker by
the realtime integration and e2e tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from awscrt import mqtt5

from backend.realtime.topics import service_client_id_prefix, service_subscriptions
from backend.settings import Settings
from lumi_app import broker
from lumi_app.broker import IotCoreConnection, PahoConnection, connection_for, iot_client_options

ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"
AUTHORIZER = "lumi-dev-realtime"
SECRET = "service-secret-for-tests"


def iot_settings(**overrides: Any) -> Settings:
    values = {
        "stage": "dev",
        "realtime_broker": "iot",
        "iot_endpoint": ENDPOINT,
        "iot_authorizer_name": AUTHORIZER,
        "realtime_service_secret": SECRET,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Heard:
    """The three callbacks the hub gives a connection, recording what they were told."""

    def __init__(self) -> None:
        self.connected = 0
        self.lost: list[str] = []
        self.messages: list[tuple[str, bytes]] = []

    def args(self) -> tuple[Any, Any, Any]:
        return (self._connected, self.lost.append, lambda topic, payload: self.messages.append((topic, payload)))

    def _connected(self) -> None:
        self.connected += 1


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[mqtt5.ClientOptions]]:
    """The options of every MQTT 5 client the SDK's builders make (the real client is still made)."""
    made: list[mqtt5.ClientOptions] = []

    class RecordedClient(mqtt5.Client):
        def __init__(self, client_options: mqtt5.ClientOptions) -> None:
            made.append(client_options)
            super().__init__(client_options)

    monkeypatch.setattr(mqtt5, "Client", RecordedClient)
    yield made


def test_locally_the_app_uses_paho_to_the_plain_broker() -> None:
    settings = Settings(_env_file=None, realtime_broker="mqtt", mqtt_url="mqtt://127.0.0.1:1884")  # type: ignore[call-arg]
    assert isinstance(connection_for(settings, *Heard().args()), PahoConnection)


@pytest.mark.parametrize("transport", ["mqtt", "wss"])
def test_in_aws_the_sdk_builds_a_client_naming_the_custom_authorizer(
    built: list[mqtt5.ClientOptions], transport: str
) -> None:
    # when the app makes its IoT Core connection (without starting it)
    connection = connection_for(iot_settings(iot_transport=transport), *Heard().args())
    # then it is the SDK's MQTT 5 client for the account's endpoint on 443
    assert isinstance(connection, IotCoreConnection)
    (options,) = built
    assert (options.host_name, options.port) == (ENDPOINT, 443)
    assert options.tls_ctx is not None
    # signed in as the service through Lumi's custom authorizer, named in the username
    connect = options.connect_options
    assert connect.username == f"lumi-service?x-amz-customauthorizer-name={AUTHORIZER}"
    assert connect.password == SECRET
    assert connect.client_id.startswith(service_client_id_prefix("dev")) and len(connect.client_id) <= 128
    # over WSS only when asked (MQTT over TLS with ALPN "mqtt" otherwise)
    assert (options.websocket_handshake_transform is not None) == (transport == "wss")
    # reconnecting by itself, 1 s growing to 10 s, as the paho path does
    assert (options.min_reconnect_delay_ms, options.max_reconnect_delay_ms) == (1000, 10_000)


def test_the_builder_is_the_sdks_custom_authorizer_builder() -> None:
    from awsiot import mqtt5_client_builder

    assert broker.iot_builder("mqtt") is mqtt5_client_builder.direct_with_custom_authorizer
    assert broker.iot_builder("wss") is mqtt5_client_builder.websockets_with_custom_authorizer


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"iot_endpoint": ""}, "LUMI_IOT_ENDPOINT"),
        ({"iot_authorizer_name": ""}, "LUMI_IOT_AUTHORIZER_NAME"),
        ({"realtime_service_secret": ""}, "LUMI_REALTIME_SERVICE_SECRET"),
    ],
)
def test_a_missing_iot_setting_is_named(missing: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        iot_client_options(iot_settings(**missing))


def test_the_iot_client_reports_to_the_hubs_callbacks(built: list[mqtt5.ClientOptions]) -> None:
    """The SDK's lifecycle and publish events, in its own data types, reach the hub's three callbacks."""
    heard = Heard()
    connection = IotCoreConnection(iot_settings(), *heard.args())
    (options,) = built
    topic = "lumi/dev/r/5f3a9e0c/chat"

    options.on_lifecycle_event_connection_success_fn(mqtt5.LifecycleConnectSuccessData())
    options.on_publish_callback_fn(
        mqtt5.PublishReceivedData(publish_packet=mqtt5.PublishPacket(topic=topic, payload=b"{}"))
    )
    options.on_lifecycle_event_disconnection_fn(mqtt5.LifecycleDisconnectData(exception=ConnectionResetError("gone")))

    assert heard.connected == 1
    assert heard.messages == [(topic, b"{}")]
    assert heard.lost == ["gone"]
    connection.stop()


def test_the_app_subscribes_to_exactly_what_the_authorizer_allows_the_service() -> None:
    """The filters it asks for are the ones the service's IoT policy names (backend.realtime.authorizer)."""
    from backend.realtime.authorizer import service_policy_document

    document = service_policy_document("dev", "eu-west-1", "111122223333")
    (subscribe,) = [s for s in document["Statement"] if s["Action"] == "iot:Subscribe"]
    allowed = {resource.split(":topicfilter/", 1)[1] for resource in subscribe["Resource"]}
    assert allowed == set(service_subscriptions("dev"))


def test_a_misconfigured_iot_connection_is_logged_and_the_app_keeps_serving(caplog: pytest.LogCaptureFixture) -> None:
    """Pages still work without live updates; the log names the missing setting."""
    from lumi_app.realtime import RealtimeHub

    hub = RealtimeHub(iot_settings(iot_endpoint=""))
    hub.start()
    assert not hub.connected
    assert "LUMI_IOT_ENDPOINT" in caplog.text
    hub.stop()
