"""Configuration for every backend piece: one pydantic-settings model, env prefix ``LUMI_``.

Locally the stack writes its endpoints to ``.lumi/stack.env`` and every process (the API
adapter, the Reflex backend, tests) reads the same values; in AWS they come from the
Lambda environment. Any piece can be pointed at a real service by its setting.

The API's modules import this one inside the functions that read it, so importing the API
handler does not load pydantic-settings (~20 ms of its import); the first request that needs
the settings loads them instead (``tests/unit/test_api_imports.py``).
"""

from __future__ import annotations

import threading
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUMI_", env_file=".lumi/stack.env", extra="ignore")

    stage: str = "local"
    region: str = "us-east-1"

    # AWS endpoints. None means "the real AWS endpoint for this region".
    aws_endpoint_url: str | None = None

    table_name: str = "lumi-local"
    media_bucket: str = "lumi-local-media"
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    # The issuer is what tokens carry (always the AWS form); the JWKS may live elsewhere
    # (the emulator serves it on its own host), so its URL is configured apart.
    jwks_url: str | None = None

    redis_url: str = "redis://127.0.0.1:6390/0"
    # ElastiCache in AWS: ``rediss://`` (TLS) and an AUTH token kept out of the URL and the
    # template. The app server's task gets the token itself (ECS injects the secret as
    # LUMI_REDIS_AUTH_TOKEN); a Lambda gets the secret's ARN and reads it once per cold start
    # (``backend.store.redis_client``). Locally neither is set and the URL is used as it is.
    redis_auth_token: str = ""
    redis_auth_token_secret_arn: str = ""
    mqtt_url: str = "mqtt://127.0.0.1:1884"

    # Where the API is reached from the Reflex backend, and where the app is served.
    api_url: str = "http://127.0.0.1:8081"
    app_origin: str = "http://localhost:3000"
    # Where the browser reaches the Reflex backend (baked into the exported bundle).
    app_backend_url: str = "http://localhost:8000"

    # Limits.
    avatar_max_bytes: int = 5 * 1024 * 1024
    upload_url_ttl_seconds: int = 600
    media_url_ttl_seconds: int = 3600
    # Who signs the read URLs the browser gets (``backend.media.signing``): "s3" presigned GETs
    # (the local stack), or "cloudfront" signed URLs on the media distribution (AWS), with the
    # key pair id of the distribution's trusted public key and its private key (PEM): given
    # as such (tests, local), or the ARN of the Secrets Manager secret holding it (AWS).
    media_url_signer: str = Field(default="s3", pattern="^(s3|cloudfront)$")
    media_cdn_domain: str = Field(default="", pattern=r"^[A-Za-z0-9.-]*$")  # a host, e.g. d123.cloudfront.net
    cloudfront_key_pair_id: str = ""
    cloudfront_private_key: str = ""
    cloudfront_private_key_secret_arn: str = ""
    rate_limit_auth_per_minute: int = 20
    # Per login (e-mail or username), on top of the per-client limit of every auth route: reset
    # codes asked for, and attempts to use one, each this many an hour (a 6-digit code lives
    # an hour, so guessing has 10 tries in a million).
    rate_limit_password_reset_per_hour: int = 10
    rate_limit_requests_per_minute: int = 30
    rate_limits_enabled: bool = True
    # Every API call of the app comes from the Reflex backend, so the request's source address
    # is the backend's; the backend forwards the browser's in X-Lumi-Client-Ip. Anyone who can
    # reach the API can send that header too, so it counts only from the app server
    # (``backend.api.ratelimit``); else the source address counts. In AWS that is a call the
    # function URL authenticated as ``app_server_role_arn`` (set by infra/ on the API). Locally
    # (no IAM in front of the adapter) it is a call carrying the app server's secret in
    # X-Lumi-App-Server while this is on: the local stack makes a secret and turns this on, for
    # its Reflex backend only; infra/ sets neither.
    trusted_client_ip_header: bool = False
    app_server_secret: str = ""
    # How the app server authenticates its API calls: "none" (the local adapter) or "iam"
    # (SigV4 as its task role, ``backend.api_signing``; the function URL is IAM-only).
    api_auth: str = Field(default="none", pattern="^(none|iam)$")
    # The API trusts X-Lumi-Client-Ip from callers signed as this role (the app server's task
    # role, ``arn:aws:iam::<account>:role/<name>``; infra/stack.py ``Api.trust_app_server``).
    app_server_role_arn: str = ""

    jwks_cache_seconds: int = Field(default=3600, ge=0)

    # Realtime. Locally the embedded broker; in AWS IoT Core (publisher "iot").
    publisher: str = Field(default="mqtt", pattern="^(mqtt|iot)$")
    # The app server's subscription (``lumi_app.broker``): "mqtt", paho to ``mqtt_url`` (the
    # local broker); "iot", the AWS IoT SDK to IoT Core's ``iot_endpoint`` (the account's
    # iot:Data-ATS host) through the custom authorizer ``iot_authorizer_name``, on 443 over
    # TLS with ALPN "mqtt" (``iot_transport`` "mqtt") or over WSS ("wss").
    realtime_broker: str = Field(default="mqtt", pattern="^(mqtt|iot)$")
    iot_endpoint: str = Field(default="", pattern=r"^[A-Za-z0-9.-]*$")
    iot_authorizer_name: str = Field(default="", pattern=r"^[A-Za-z0-9_=,@-]*$")
    iot_transport: str = Field(default="mqtt", pattern="^(mqtt|wss)$")
    mqtt_ws_url: str | None = None
    realtime_service_user: str = "lumi-service"
    realtime_service_secret: str = ""
    # In AWS the secret lives in Secrets Manager; functions that check it get its ARN.
    realtime_service_secret_arn: str = ""
    # Presence: a tab beats every heartbeat; it is gone after offline_seconds without one
    # (at least 2.5 beats, so nobody flickers). Idle after idle_seconds without input.
    presence_heartbeat_seconds: float = Field(default=10.0, gt=0)
    presence_offline_seconds: float = Field(default=30.0, gt=0)
    presence_idle_seconds: float = Field(default=300.0, gt=0)
    presence_cleanup_seconds: float = Field(default=5.0, gt=0)

    # Web Push (VAPID). The local stack generates a key pair; in AWS it comes from a secret.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:hello@lumi.example"
    push_ttl_seconds: int = 24 * 3600
    # Where the sender may POST: subscription endpoints are URLs a browser hands us, so only
    # the browsers' push services (https, these hosts and their subdomains) are accepted,
    # never an address of our own network. Loopback endpoints only for a test push service.
    push_service_hosts: str = "fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com"
    push_allow_loopback: bool = False

    rate_limit_nudges_per_minute: int = 3
    rate_limit_chat_per_minute: int = 60
    rate_limit_typing_per_minute: int = 30

    # Moments: what an upload may be, and how the media job probes a video and makes its
    # thumbnail. ffmpeg is the binary of the imageio-ffmpeg wheel unless a path is given (in
    # AWS: the media functions' ffmpeg layer, a .gz that backend.media.video unpacks once into
    # the temporary directory; the API runs none).
    moment_min_bytes: int = 1024
    moment_max_bytes: int = 500 * 1024 * 1024
    moment_max_seconds: float = 600.0
    moment_upload_ttl_seconds: int = 24 * 3600
    ffmpeg_path: str = ""
    ffmpeg_timeout_seconds: float = 120.0
    thumbnail_width: int = 480
    thumbnail_at_seconds: float = 1.0
    # Photos (JPEG, PNG, WebP, HEIC): checked in the request, made into renditions by the media
    # job. A 108 MP phone photo is about 12000 x 9000; anything larger is not a photo we decode.
    photo_min_bytes: int = 100
    photo_max_bytes: int = 40 * 1024 * 1024
    photo_max_pixels: int = 110_000_000
    # Music: what one song's upload may be (MP3, AAC/M4A, FLAC, Ogg Vorbis/Opus, WAV), how long
    # it may play, and how many bytes of originals one person may keep.
    music_min_bytes: int = 1024
    music_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    music_max_seconds: float = 1800.0
    music_quota_bytes: int = Field(default=5 * 1024 * 1024 * 1024, ge=0)
    music_upload_ttl_seconds: int = 24 * 3600

    # Search: "sqlite" (FTS5 file, the local stack) or "opensearch" (an endpoint in AWS).
    search_backend: str = Field(default="sqlite", pattern="^(sqlite|opensearch)$")
    search_sqlite_path: str = ".lumi/search.sqlite3"
    opensearch_endpoint: str = ""
    opensearch_index: str = "lumi-moments"

    # Queues (URLs), written by the local stack as LUMI_QUEUE_URL_{NAME}.
    queue_url_notifications: str = ""
    queue_url_media: str = ""
    queue_url_affirmations: str = ""
    queue_url_date_reminders: str = ""
    queue_url_music: str = ""

    # Affirmations: one writer's list for their partner, the aggregator's page size (a test
    # forces many pages with a small one), and "send now" per person and hour.
    affirmations_max: int = Field(default=500, ge=1)
    affirmations_page_size: int = Field(default=500, ge=1, le=1000)
    affirmations_people_per_message: int = Field(default=10, ge=1, le=100)
    rate_limit_affirmations_now_per_hour: int = 10
    # Date reminders: the aggregator's page size and people per message (as for affirmations).
    date_reminders_page_size: int = Field(default=500, ge=1, le=1000)
    date_reminders_people_per_message: int = Field(default=10, ge=1, le=100)

    # The couple's dates: how many a couple keeps; the public address calendar apps fetch a
    # person's .ics feed from (CloudFront in AWS; none: ``api_url``), and fetches per secret and hour.
    # In AWS that address is the app's distribution, which exists only once the API's function
    # URL does: the stack writes it to an SSM parameter, named here, read once per process.
    dates_max: int = Field(default=1000, ge=1)
    public_api_url: str | None = None
    public_api_url_parameter: str | None = None
    rate_limit_calendar_feed_per_hour: int = 120

    @model_validator(mode="after")
    def _presence_does_not_flicker(self) -> Settings:
        if self.presence_offline_seconds < 2.5 * self.presence_heartbeat_seconds:
            raise ValueError("LUMI_PRESENCE_OFFLINE_SECONDS must be at least 2.5 heartbeats")
        return self

    @property
    def redis_connection_url(self) -> str:
        """``redis_url`` with ``redis_auth_token`` as its password, when there is one."""
        return with_redis_password(self.redis_url, self.redis_auth_token)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


def with_redis_password(url: str, token: str) -> str:
    """``url`` carrying ``token`` as the AUTH password (ElastiCache's default user), quoted so
    any character survives; ``url`` unchanged without a token."""
    if not token:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f":{quote(token, safe='')}@{host}"))


_cached: Settings | None = None
_generation = 0
_lock = threading.Lock()


def get_settings() -> Settings:
    """The settings, read once from the environment (and ``.lumi/stack.env``) and kept.

    Read outside the lock, and kept only if nobody reset them meanwhile: a thread that began
    reading before a :func:`reset_settings` must not keep what it read (the environment it
    saw is already out of date), or settings changed by a test or the local stack would be
    lost to whichever poller thread happened to be reading at that moment.
    """
    global _cached
    cached = _cached
    if cached is not None:
        return cached
    with _lock:
        generation = _generation
    settings = Settings()
    with _lock:
        if _generation == generation and _cached is None:
            _cached = settings
        return _cached if _cached is not None and _generation == generation else settings


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    global _cached, _generation
    with _lock:
        _cached = None
        _generation += 1
