"""Redis with an AUTH token, as ElastiCache runs it: the token never sits in a URL setting.

A real redis-server (the local stack's) is made to require a password; the token lives in
a Secrets Manager secret of the emulated AWS, as CloudFormation makes it in AWS. A Lambda
gets the secret's ARN (``LUMI_REDIS_AUTH_TOKEN_SECRET_ARN``) and reads it at its first
connection; the app server's task gets the token itself (``LUMI_REDIS_AUTH_TOKEN``, injected
by ECS) and Reflex and the session store connect with ``Settings.redis_connection_url``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from backend.aws import client, reset_clients
from backend.local.services import RedisService
from backend.local.stack import LocalStack
from backend.settings import Settings, reset_settings
from backend.store import redis_client as module
from backend.store.redis_client import redis_client

# Characters a URL would misread unless quoted (ElastiCache itself allows most printable ones).
TOKEN = "lumi-T0ken/with:odd@chars%" + uuid.uuid4().hex


@pytest.fixture
def protected_redis() -> Iterator[RedisService]:
    service = RedisService()
    service.start()
    with redis.Redis.from_url(service.url) as admin:
        admin.config_set("requirepass", TOKEN)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def settings_env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    stack.activate()
    reset_settings()
    reset_clients()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()
    module._secret.cache_clear()


def test_a_lambda_reads_the_token_from_its_secret(
    protected_redis: RedisService, settings_env: pytest.MonkeyPatch
) -> None:
    # given the token in a secret and a Lambda's settings: the URL and the secret's ARN
    arn = client("secretsmanager").create_secret(Name=f"lumi-redis-auth-{uuid.uuid4().hex}", SecretString=TOKEN)["ARN"]
    settings_env.setenv("LUMI_REDIS_URL", protected_redis.url)
    settings_env.setenv("LUMI_REDIS_AUTH_TOKEN_SECRET_ARN", arn)
    settings_env.delenv("LUMI_REDIS_AUTH_TOKEN", raising=False)
    reset_settings()

    # when it talks to Redis
    connection = redis_client()

    # then it is authenticated with the secret's token
    assert connection.ping() is True
    connection.set(f"lumi-auth-test-{uuid.uuid4().hex}", "1", ex=5)


def test_without_the_token_the_protected_redis_refuses(protected_redis: RedisService) -> None:
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(Settings(redis_url=protected_redis.url).redis_connection_url).ping()


def test_the_app_server_connects_with_the_injected_token(protected_redis: RedisService) -> None:
    settings = Settings(redis_url=protected_redis.url, redis_auth_token=TOKEN)
    assert TOKEN not in settings.redis_url
    with redis.Redis.from_url(settings.redis_connection_url) as connection:
        assert connection.ping() is True
