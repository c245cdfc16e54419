"""The whole local stack in one object: emulated AWS, Redis, MQTT, the API and the pollers.

``LocalStack(...).start()`` brings everything up on 127.0.0.1, provisions the resources,
sets the ``LUMI_*`` environment of this process to point at them, and returns the
settings other processes need (``env()``), which ``python -m backend.local`` also writes
to ``.lumi/stack.env``.

With a ``data_dir`` the stack keeps its data there (``backend.local.snapshot``): the moto
state, the stream position and the search index are restored before anything runs, and
saved together every couple of seconds while something changes, and once more on stop.
Redis keeps its own append-only file there. Without one everything lives in memory and no
saver runs.

E-mail the emulated Cognito would send (password-reset and sign-up codes) lands in the
stack's outbox (``backend.local.outbox``): a log line each, a page on 127.0.0.1
(``LUMI_OUTBOX_URL``), and with a data dir ``outbox.jsonl`` there.

New accounts are confirmed at once (``auto_confirm_sign_up``), as a pre-sign-up trigger would
do in AWS; turned off, each gets the e-mailed code to enter, as in AWS. Addresses at one of
``sign_up_code_domains`` always get the code, so one running system can show both ways (the
e2e suite signs such a person up). Tests change the rule of a running stack with
:func:`backend.local.moto_fixes.confirm_sign_ups`.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from backend.local.bootstrap import Provisioned, provision
from backend.local.services import HOST, MotoService, RedisService, free_port

log = logging.getLogger("lumi.local")


@dataclass
class StackPorts:
    """0 means pick a free port."""

    moto: int = 0
    redis: int = 0
    mqtt: int = 0
    mqtt_ws: int = 0
    api: int = 0
    outbox: int = 0


@dataclass
class LocalStack:
    ports: StackPorts = field(default_factory=StackPorts)
    stage: str = "local"
    region: str = "us-east-1"
    app_origins: list[str] = field(default_factory=lambda: ["http://localhost:3000", "http://127.0.0.1:3000"])
    redis_url: str | None = None  # an external Redis instead of the bundled one
    mqtt_url: str | None = None  # an external MQTT broker instead of the embedded one
    with_api: bool = True
    with_mqtt: bool = True
    with_pollers: bool = True
    with_scheduler: bool = False  # off by default so tests decide when jobs run (scheduler.trigger)
    data_dir: str | None = None  # keep emulator and Redis data here across runs; None = memory only
    save_interval: float = 2.0  # with a data dir: how often the saver looks for changes
    extra_env: dict[str, str] = field(default_factory=dict)
    auto_confirm_sign_up: bool = True  # False: every new account confirms its e-mail with a code
    sign_up_code_domains: tuple[str, ...] = ()  # addresses here always get the code step

    moto: MotoService | None = None
    redis: RedisService | None = None
    broker: Any = None  # the embedded MqttBroker, when the stack runs one
    provisioned: Provisioned | None = None
    scheduler: Any = None
    snapshots: Any = None  # backend.local.snapshot.Snapshots, with a data dir
    restored: Any = None  # backend.local.snapshot.Restored: what the data dir held at start
    stream_poller: Any = None
    outbox: Any = None  # backend.local.outbox.Outbox: the e-mail Cognito would have sent
    _parts: list[Any] = field(default_factory=list)
    _env: dict[str, str] = field(default_factory=dict)
    _temp_dir: str | None = None
    _data_lock: Any = None

    def start(self) -> LocalStack:
        """Bring every part up; if one fails, stop those already running and re-raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> LocalStack:
        """``with LocalStack(...).start() as stack:`` stops it however the block ends."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> LocalStack:
        # moto's werkzeug server logs every request at INFO; that drowns everything else.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        if self.data_dir:
            from backend.local.snapshot import lock_data_dir

            self._data_lock = lock_data_dir(self.data_dir)
        self.moto = MotoService(self.ports.moto, gated=bool(self.data_dir))
        self.moto.start()
        self._parts.append(self.moto)
        if self.data_dir:
            from backend.local.snapshot import Snapshots

            self.snapshots = Snapshots(self.data_dir, interval=self.save_interval)
            self.restored = self.snapshots.load()  # SnapshotError: refuse rather than overwrite
        self.provisioned = provision(self.moto.endpoint_url, self.region, self.stage, self.app_origins)
        outbox_url = self._start_outbox()

        redis_url = self.redis_url
        if not redis_url:
            redis_dir = os.path.join(self.data_dir, "redis") if self.data_dir else None
            if redis_dir:
                os.makedirs(redis_dir, exist_ok=True)
            self.redis = RedisService(self.ports.redis, data_dir=redis_dir)
            self.redis.start()
            self._parts.append(self.redis)
            redis_url = self.redis.url

        p = self.provisioned
        self._env = {
            "LUMI_STAGE": self.stage,
            "LUMI_REGION": self.region,
            "LUMI_AWS_ENDPOINT_URL": self.moto.endpoint_url,
            "LUMI_TABLE_NAME": p.table_name,
            "LUMI_MEDIA_BUCKET": p.media_bucket,
            "LUMI_USER_POOL_ID": p.user_pool_id,
            "LUMI_USER_POOL_CLIENT_ID": p.user_pool_client_id,
            "LUMI_JWKS_URL": f"{self.moto.endpoint_url}/{p.user_pool_id}/.well-known/jwks.json",
            # For the banner and other processes to tell; the emulated pool applies it (above).
            "LUMI_AUTO_CONFIRM_SIGN_UP": "true" if self.auto_confirm_sign_up else "false",
            "LUMI_REDIS_URL": redis_url,
            "LUMI_APP_ORIGIN": self.app_origins[0],
            "AWS_ACCESS_KEY_ID": "lumi-local",
            "AWS_SECRET_ACCESS_KEY": "lumi-local",
            "AWS_DEFAULT_REGION": self.region,
            **{f"LUMI_QUEUE_URL_{name.upper().replace('-', '_')}": url for name, url in p.queue_urls.items()},
            "LUMI_SEARCH_SQLITE_PATH": self._search_path(),
            **self._secrets(),
            # Our Reflex backend proves itself with this run's secret, so only its calls may
            # forward a browser's address; curl and tests on 127.0.0.1 keep their own budget.
            "LUMI_TRUSTED_CLIENT_IP_HEADER": "true",
            "LUMI_APP_SERVER_SECRET": secrets.token_urlsafe(32),
            "LUMI_OUTBOX_URL": outbox_url,
            **self.extra_env,
        }
        self._apply_env()
        self._restore_search()
        self._index_music()
        if self.data_dir:
            from backend.media.urls import forget_all

            forget_all()  # Redis is kept but not rolled back, and its URLs name the last run's ports

        if self.with_mqtt:
            self._start_mqtt()
        elif self.mqtt_url:
            self._env["LUMI_MQTT_URL"] = self.mqtt_url
        else:
            # No broker: an empty URL tells publishers there is nobody to tell (and keeps a
            # broker of another stack in this process from being mistaken for ours).
            self._env["LUMI_MQTT_URL"] = ""
            self._env["LUMI_MQTT_WS_URL"] = ""
        if self.with_api:
            self._start_api()
        if self.with_pollers:
            self._start_pollers()
        if self.with_scheduler:
            self._start_scheduler()
        self._apply_env()
        if self.snapshots is not None:
            self._start_saver()
        return self

    def _start_outbox(self) -> str:
        """The outbox for this stack's user pool, and its page; returns the page's URL."""
        from backend.local import moto_fixes
        from backend.local.outbox import FILE_NAME, Outbox, OutboxServer

        assert self.provisioned is not None
        self.outbox = Outbox(os.path.join(self.data_dir, FILE_NAME) if self.data_dir else None)
        pool_id = self.provisioned.user_pool_id
        moto_fixes.deliver_mail_to(pool_id, self.outbox)
        moto_fixes.confirm_sign_ups(pool_id, self.confirms_at_once)
        self._parts.append(_MailDelivery(pool_id))
        server = OutboxServer(self.outbox, self.ports.outbox, host=HOST).start()
        self._parts.append(server)
        return server.url

    def confirms_at_once(self, address: str) -> bool:
        """Whether a new account with this address is confirmed without a code."""
        domain = address.rpartition("@")[2].lower()
        return self.auto_confirm_sign_up and domain not in {d.lower() for d in self.sign_up_code_domains}

    def _restore_search(self) -> None:
        """Put back the search index saved with the table, before anything opens it."""
        search = (self.restored.parts if self.restored else {}).get("search")
        if search is None:
            return
        from backend.search import reset_search_index
        from backend.search.sqlite import restore_copy

        reset_search_index()
        restore_copy(self._env["LUMI_SEARCH_SQLITE_PATH"], search)

    def _index_music(self) -> None:
        """Songs of a table kept from before music search get into its index, once."""
        from backend.aws import client
        from backend.local.bootstrap import index_music_library

        assert self.provisioned is not None
        index_music_library(client("dynamodb"), self.provisioned.table_name)

    def _saved_checkpoints(self) -> dict[str, str] | None:
        """The stream poller's position saved with the table, if it belongs to this table's stream."""
        assert self.provisioned is not None
        stream = (self.restored.parts if self.restored else {}).get("stream") or {}
        if stream.get("stream_arn") != self.provisioned.table_stream_arn:
            return None
        return dict(stream.get("checkpoints") or {})

    def _start_saver(self) -> None:
        """Register what is saved with moto, start saving, and stop (with a last save) right
        after the units that change state and before the emulator."""
        from backend.search import get_search_index
        from backend.search.sqlite import SqliteSearchIndex

        assert self.snapshots is not None and self.provisioned is not None
        arn = self.provisioned.table_stream_arn
        kept = self._saved_checkpoints()
        poller = self.stream_poller

        def stream() -> dict[str, Any]:
            # Without a poller this run, the saved position is carried over untouched.
            return {"stream_arn": arn, "checkpoints": poller.checkpoints() if poller else kept}

        self.snapshots.add_part("stream", stream)
        index = get_search_index()
        if isinstance(index, SqliteSearchIndex):
            self.snapshots.add_part("search", index.copy)
        self.snapshots.start()
        self._parts.insert(self._parts.index(self.moto) + 1, self.snapshots)

    def _search_path(self) -> str:
        """The search index file: in the data dir, else in a fresh temp dir removed on stop,
        so two stacks (tests, ``make dev``) never share one index."""
        if self.data_dir:
            return os.path.join(self.data_dir, "search.sqlite3")
        import tempfile

        self._temp_dir = tempfile.mkdtemp(prefix="lumi-search-")
        return os.path.join(self._temp_dir, "search.sqlite3")

    def _secrets(self) -> dict[str, str]:
        """The realtime service credential and the VAPID key pair: made once per data dir
        (so push subscriptions keep working across restarts), else fresh for each run."""
        import json
        import secrets

        from backend.push.vapid import generate_vapid_keys

        path = os.path.join(self.data_dir, "secrets.json") if self.data_dir else None
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return dict(json.load(handle))
        private, public = generate_vapid_keys()
        values = {
            "LUMI_REALTIME_SERVICE_SECRET": secrets.token_urlsafe(32),
            "LUMI_VAPID_PRIVATE_KEY": private,
            "LUMI_VAPID_PUBLIC_KEY": public,
        }
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(values, handle)
            os.chmod(path, 0o600)
        return values

    def activate(self) -> None:
        """Point this process's settings and boto3 clients at this stack (again).

        Needed when another stack was started in the same process since (tests)."""
        if any(os.environ.get(name) != value for name, value in self._env.items()):
            self._apply_env()

    def _apply_env(self) -> None:
        os.environ.update(self._env)
        from backend.aws import reset_clients
        from backend.settings import reset_settings

        reset_settings()
        reset_clients()

    def _start_mqtt(self) -> None:
        if self.mqtt_url:
            self._env["LUMI_MQTT_URL"] = self.mqtt_url
            return
        from backend.local.broker import MqttBroker
        from backend.local.broker_auth import PLUGIN

        # The realtime authorizer decides who connects and which topics they use, as in AWS.
        # Ports chosen now (not by the kernel at bind): a restarted broker takes the same ones again.
        broker = MqttBroker(
            tcp_port=self.ports.mqtt or free_port(), ws_port=self.ports.mqtt_ws or free_port(), plugins={PLUGIN: {}}
        )
        broker.start()
        self._parts.append(broker)
        self.broker = broker
        self._env["LUMI_MQTT_URL"] = broker.tcp_url
        self._env["LUMI_MQTT_WS_URL"] = broker.ws_url

    def restart_broker(self) -> None:
        """Stop the embedded broker and start a new one on the same ports (a broker outage and
        recovery, as the fault tests stage it); connected clients reconnect on their own."""
        from backend.local.broker import MqttBroker
        from backend.local.broker_auth import PLUGIN

        old = self.broker
        if old is None:
            raise RuntimeError("this stack runs no embedded broker")
        old.stop()
        new = MqttBroker(tcp_port=old.tcp_port, ws_port=old.ws_port, plugins={PLUGIN: {}}).start()
        self._parts[self._parts.index(old)] = new
        self.broker = new

    def stop_broker(self) -> None:
        """The first half of :meth:`restart_broker`: the broker goes away (start it with restart_broker)."""
        if self.broker is not None:
            self.broker.stop()

    def _start_api(self) -> None:
        from backend.local.http_adapter import LocalApiServer

        server = LocalApiServer(port=self.ports.api)
        server.start()
        self._parts.append(server)
        self._env["LUMI_API_URL"] = server.url

    def _start_pollers(self) -> None:
        from backend.local.pollers import start_pollers
        from backend.local.snapshot import trim_stream
        from backend.local.stream_poller import StreamPoller

        assert self.provisioned is not None
        checkpoints = self._saved_checkpoints()
        if checkpoints:
            trimmed = trim_stream(self.provisioned.table_stream_arn, checkpoints)
            if trimmed:
                log.info("dropped %d stream records handled more than a day ago", trimmed)
        for poller in start_pollers(self.provisioned, stream_checkpoints=checkpoints):
            self._parts.append(poller)
            if isinstance(poller, StreamPoller):
                self.stream_poller = poller

    def _start_scheduler(self) -> None:
        from backend.local.scheduler import scheduler_from_registry

        self.scheduler = scheduler_from_registry().start()
        self._parts.append(self.scheduler)

    def env(self) -> dict[str, str]:
        return dict(self._env)

    def listening(self) -> dict[str, str]:
        """What listens where, for the start-up banner."""
        out = {"AWS emulator (moto)": self._env["LUMI_AWS_ENDPOINT_URL"], "Redis": self._env["LUMI_REDIS_URL"]}
        if self._env.get("LUMI_MQTT_URL"):
            out["MQTT (tcp)"] = self._env["LUMI_MQTT_URL"]
        if self._env.get("LUMI_MQTT_WS_URL"):
            out["MQTT (websocket)"] = self._env["LUMI_MQTT_WS_URL"]
        if self.with_api:
            out["API"] = self._env["LUMI_API_URL"]
        out["Outbox"] = self._env["LUMI_OUTBOX_URL"]
        return out

    def stop(self) -> None:
        if self._parts:
            from backend.realtime.publisher import reset_publisher

            reset_publisher()  # its connection would otherwise keep calling a broker that is gone
        for part in reversed(self._parts):
            try:
                part.stop()
            except Exception:  # stopping must go on for the other parts
                log.exception("stopping %s failed", type(part).__name__)
        self._parts.clear()
        if self._data_lock is not None:
            self._data_lock.close()
            self._data_lock = None
        if self._temp_dir:
            import shutil

            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


@dataclass
class _MailDelivery:
    """Stops this stack's pool's e-mail going to its outbox (and its sign-up rule) once the stack stops."""

    user_pool_id: str

    def stop(self) -> None:
        from backend.local import moto_fixes

        moto_fixes.deliver_mail_to(self.user_pool_id, None)
        moto_fixes.confirm_sign_ups(self.user_pool_id, None)


__all__ = ["HOST", "LocalStack", "StackPorts"]
