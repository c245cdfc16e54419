"""amqtt 0.12.1 made to keep IoT Core's promises where it does not (``MqttBroker`` runs this).

1. **Subscriptions change under a broadcast.** amqtt walks ``Broker._subscriptions`` and
   awaits the topic plugins inside the loop (``_run_broadcast``, retained messages at
   connect). With a topic plugin those awaits really yield, so a client subscribing or
   leaving meanwhile changes the dict and the broadcast task dies with "dictionary changed
   size during iteration": the message is lost for everyone not yet served. The table is
   iterated over a snapshot instead (:class:`SubscriptionsSnapshot`).
2. **Anyone may retain.** A PUBLISH with the retain flag is stored and sent to every later
   subscriber, and amqtt's topic plugins are not told the flag, so they cannot refuse it.
   IoT Core needs ``iot:RetainPublish`` for that, which Lumi grants nobody: not persons
   (``backend.realtime.authorizer.policy_document``) and not the service (the same policy;
   server code publishes through ``iot-data`` with ``iot:Publish`` only, and never retains).
   So a retained PUBLISH is refused from every client. IoT Core answers an unauthorised
   PUBLISH over MQTT 3.1.1 by closing the connection (MQTT 3.1.1 has no negative PUBACK),
   so this broker does too: the message is neither delivered nor stored.
3. **Retained wills.** A will with the retain flag would be stored when its client drops.
   The CONNECT carrying one is refused ("not authorised"): IoT Core authorises a will when
   the client connects, and a refusal shows at once where a silently unretained will would
   not. So the retained store holds nothing a client sent, only what the broker itself puts
   there (a plugin through amqtt's ``BrokerContext``, a test through ``MqttBroker.retain``).
4. **Retained messages reach the wrong people.** When a client connects, amqtt sends it the
   retained messages matching *any* client's subscription, without asking the topic plugin
   (``_handle_client_session``): one couple's new connection received the other's. Retained
   messages now go out only through the receiving client's own granted subscriptions, and
   each only if the topic plugin lets that client receive it, at connect and at subscribe.

``tests/integration/test_local_broker.py`` pins the amqtt version and the upstream code
these patches lean on, and shows unpatched amqtt still leaks: when those tests fail, look
again here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action, ListenerConfig
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import ApplicationMessage, Session

log = logging.getLogger("lumi.local.mqtt")

AMQTT_VERSION = "0.12.1"


class SubscriptionsSnapshot(dict[str, list[Any]]):
    """amqtt's subscription table, iterated over a copy (point 1)."""

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))

    def items(self) -> list[tuple[str, list[Any]]]:  # type: ignore[override]
        return [(topic_filter, list(subscribers)) for topic_filter, subscribers in super().items()]


def _is_retained(message: ApplicationMessage) -> bool:
    return bool(message.retain or (message.publish_packet is not None and message.publish_packet.retain_flag))


class PatchedBroker(Broker):
    """amqtt's ``Broker`` with the fixes above; everything else is amqtt's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscriptions = SubscriptionsSnapshot(self._subscriptions)

    async def _authenticate(self, session: Session, listener: ListenerConfig) -> bool:
        # The flag amqtt acts on when the client drops (a resumed session keeps its first CONNECT's).
        if session.will_flag and session.will_retain:
            log.info("refused MQTT client %r: its will is to be retained", session.client_id)
            return False
        return await super()._authenticate(session, listener)

    async def _handle_message_delivery(
        self, client_session: Session, handler: BrokerProtocolHandler, wait_deliver: asyncio.Future[Any]
    ) -> bool:
        message = wait_deliver.result()
        if message is not None and _is_retained(message):
            log.info(
                "closed MQTT client %r: it published a retained message on %r", client_session.client_id, message.topic
            )
            # amqtt's own path for a lost connection: the handler stops and the will goes out.
            await handler.handle_connection_closed()
            return True
        return bool(await super()._handle_message_delivery(client_session, handler, wait_deliver))

    async def _publish_retained_messages_for_subscription(
        self, subscription: tuple[str, int], session: Session
    ) -> None:
        """Send ``session`` the retained messages of ``subscription`` if it is the session's own."""
        topic_filter, _ = subscription
        granted = next((qos for s, qos in self._subscriptions.get(topic_filter, ()) if s is session), None)
        handler = self._get_handler(session)
        if granted is None or handler is None:
            return  # another client's subscription (amqtt offers them all at connect), or gone
        sending = []
        for topic, retained in list(self._retained_messages.items()):
            if self._matches(topic, topic_filter) and await self._topic_filtering(session, topic, Action.RECEIVE):
                qos = granted if retained.qos is None else min(granted, retained.qos)
                sending.append(asyncio.ensure_future(handler.mqtt_publish(topic, retained.data, qos, retain=True)))
        if sending:
            await asyncio.wait(sending)


__all__ = ["AMQTT_VERSION", "PatchedBroker", "SubscriptionsSnapshot"]
