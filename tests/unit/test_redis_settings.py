"""The Redis URL a process connects with: the local one as given; ElastiCache's with its AUTH
token added (quoted), the setting itself never holding it."""

from __future__ import annotations

from backend.settings import Settings
from backend.store import redis_client as module


def test_local_settings_keep_their_url() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6390/0")
    assert settings.redis_connection_url == "redis://127.0.0.1:6390/0"
    assert module.connection_url(settings) == "redis://127.0.0.1:6390/0"


def test_a_tls_url_keeps_its_scheme_host_and_database() -> None:
    settings = Settings(redis_url="rediss://master.lumi.cache.amazonaws.com:6379/0", redis_auth_token="abc/def")
    assert settings.redis_connection_url == "rediss://:abc%2Fdef@master.lumi.cache.amazonaws.com:6379/0"
