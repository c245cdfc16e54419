"""The embedded broker enforces IoT Core's rule: an amqtt plugin over ``backend.realtime.authorizer``.

amqtt 0.12 asks every auth plugin's ``authenticate(session=)`` on CONNECT (all must say
True, else CONNACK "not authorized") and every topic plugin's ``topic_filtering(session=,
topic=, action=)`` before a SUBSCRIBE is granted (a refused filter gets return code 0x80),
before a PUBLISH is passed on (a refused one is acknowledged and dropped; IoT Core closes
an MQTT 3.1.1 connection instead), and before each delivery to a subscriber (``receive``),
retained messages included (``backend.local.broker_patches``). A will is a publish the
broker makes later for its client, so the CONNECT carrying it is refused unless the client
may publish on the will's topic (amqtt would not ask then). The principal proven at CONNECT
is kept on the session, so later checks are pure and fast, and they see the token's expiry:
after it, nothing more is subscribed, published or delivered. Whether a message may be
retained is not the topic plugins' to say (amqtt does not tell them): nobody may, and the
broker patches see to it.

Verifying a token fetches keys and reads DynamoDB and Redis with blocking clients, so it
runs on a worker thread, never on the broker's event loop. Settings come from this
process's environment (the local stack sets it before starting the broker).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from backend.realtime.authorizer import Principal, allowed, authenticate

log = logging.getLogger("lumi.local.mqtt.auth")

PLUGIN = "backend.local.broker_auth.LumiAuthPlugin"
_ATTRIBUTE = "lumi_principal"
_ACTIONS = {Action.SUBSCRIBE: "subscribe", Action.PUBLISH: "publish", Action.RECEIVE: "receive"}


def principal_of(session: Session | None) -> Principal | None:
    return getattr(session, _ATTRIBUTE, None) if session is not None else None


class LumiAuthPlugin(BaseAuthPlugin, BaseTopicPlugin):
    @dataclass
    class Config:
        """Nothing to configure: the rule and its settings are Lumi's own."""

    async def authenticate(self, *, session: Session) -> bool:
        setattr(session, _ATTRIBUTE, None)  # a reconnecting persistent session proves itself again
        username, password = session.username or "", session.password or ""
        try:
            principal = await asyncio.to_thread(authenticate, username, password)
        except Exception:  # an outage of a backing service refuses the client, never kills the broker
            log.exception("checking MQTT credentials failed")
            return False
        if principal is None or not allowed(principal, "connect", session.client_id or ""):
            log.info("refused MQTT client %r", session.client_id)
            return False
        if session.will_flag and not allowed(principal, "publish", session.will_topic or ""):
            log.info("refused MQTT client %r: a will on %r", session.client_id, session.will_topic)
            return False
        setattr(session, _ATTRIBUTE, principal)
        return True

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool:
        principal = principal_of(session)
        verb = _ACTIONS.get(action) if action is not None else None
        if principal is None or verb is None or topic is None:
            return False
        permitted = allowed(principal, verb, topic)  # type: ignore[arg-type]
        if not permitted and verb != "receive":
            log.info("refused %s on %r for MQTT client %r", verb, topic, session.client_id if session else None)
        return permitted


__all__ = ["PLUGIN", "LumiAuthPlugin", "principal_of"]
