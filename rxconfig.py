"""Reflex configuration for the Lumi app.

Every value comes from ``backend.settings`` (env prefix ``LUMI_``, plus ``.lumi/stack.env``
written by the local stack), so the Reflex backend, the API and the tests agree on where
Redis and the API live. Redis is Reflex's state manager: several backend processes share
the state of every browser tab, and a restart loses nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from backend.settings import get_settings
from lumi_app.api_client import use_request_auth
from lumi_app.first_load import ACCENT_COLOR, RadixThemesByName

settings = get_settings()

if settings.api_auth == "iam":
    # In AWS the API's function URL takes only calls signed as the app server's task role.
    from backend.api_signing import lambda_url_signer

    use_request_auth(lambda_url_signer)


def _origin_twins(origin: str) -> list[str]:
    """The app origin, plus its localhost/127.0.0.1 twin (browsers treat them as different origins)."""
    parts = urlsplit(origin.rstrip("/"))
    twins = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
    origins = [urlunsplit(parts)]
    if parts.hostname in twins:
        host = twins[parts.hostname] + (f":{parts.port}" if parts.port else "")
        origins.append(urlunsplit(parts._replace(netloc=host)))
    return origins


config = rx.Config(
    app_name="lumi_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Ports stay Reflex's defaults (frontend 3000, backend 8000): setting frontend_port here
    # makes `reflex run --backend-only` refuse to start, and the backend port comes from
    # `--backend-port` when several backends run side by side.
    # Where the browser reaches the Reflex backend; baked into the exported bundle.
    api_url=settings.app_backend_url,
    deploy_url=settings.app_origin,
    cors_allowed_origins=_origin_twins(settings.app_origin),
    # Setting a Redis URL makes Reflex keep every tab's state in Redis (StateManagerRedis).
    state_manager_mode=rx.constants.StateManagerMode.REDIS,
    redis_url=settings.redis_connection_url,
    default_color_mode="system",
    # The theme follows the color mode (light / dark / system) the person picks in Settings.
    # What the first page loads (lumi_app/first_load.py, measured by bench/lighthouse.py).
    plugins=[RadixThemesByName(theme=rx.theme(appearance="inherit", accent_color=ACCENT_COLOR, radius="large"))],
    # The export writes brotli and gzip copies of every text file; tools/serve_app.py (CloudFront
    # in AWS) sends them to browsers that take them.
    frontend_compression_formats=["brotli", "gzip"],
    disable_plugins=[SitemapPlugin],
)
