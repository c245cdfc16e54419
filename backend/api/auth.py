"""Who is calling: verify the Cognito access token and put the caller in the request.

Only RS256 tokens signed by a key in the pool's JWKS are accepted (never ``none`` or an
HMAC algorithm, whatever the header says), issued by our pool, for our app client
(``client_id``), meant as access tokens, not expired (30 s leeway for clock skew), and not
from a signed-out session. The JWKS is fetched with urllib (httpx costs a cold start ~80 ms), cached for
``Settings.jwks_cache_seconds`` and fetched again once when a token names an unknown key.
PyJWT (with cryptography) is imported by the first verification, not with this module, so a
cold start that serves no signed-in route does not pay for it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

from backend.domain.errors import Unauthorized, Unavailable
from backend.domain.models import Caller
from backend.store import sessions

ALGORITHM = "RS256"
LEEWAY_SECONDS = 30
# An unknown key id triggers a refetch, but not more often than this (a flood of made-up
# key ids must not become a flood of JWKS requests).
MIN_REFETCH_SECONDS = 5.0

BEARER = [{"bearerAuth": []}]


def _unauthorized() -> Unauthorized:
    return Unauthorized("Please sign in again.")


@dataclass
class _KeySet:
    keys: dict[str, Any] = field(default_factory=dict)
    fetched_at: float = 0.0


class Jwks:
    """The pool's signing keys, per JWKS URL (tests run several pools in one process)."""

    def __init__(self) -> None:
        self._sets: dict[str, _KeySet] = {}
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any:
        from backend.settings import get_settings

        settings = get_settings()
        url = settings.resolved_jwks_url
        with self._lock:
            entry = self._sets.get(url)
            now = time.monotonic()
            stale = entry is None or now - entry.fetched_at >= settings.jwks_cache_seconds
            unknown = entry is not None and kid not in entry.keys and now - entry.fetched_at >= MIN_REFETCH_SECONDS
            if stale or unknown:
                entry = self._sets[url] = _KeySet(self._fetch(url), now)
            assert entry is not None
        if kid not in entry.keys:
            raise _unauthorized()
        return entry.keys[kid]

    @staticmethod
    def _fetch(url: str) -> dict[str, Any]:
        import urllib.request

        import jwt

        try:
            with urllib.request.urlopen(url, timeout=5.0) as response:
                key_set = jwt.PyJWKSet.from_dict(json.loads(response.read()))
        except (OSError, ValueError, jwt.PyJWTError) as error:
            raise Unavailable("We cannot check sign-ins right now. Please try again shortly.") from error
        return {k.key_id: k.key for k in key_set.keys if k.key_id and k.algorithm_name in (ALGORITHM, None)}

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()


JWKS = Jwks()


def verify_access_token(token: str) -> Caller:
    import jwt

    from backend.settings import get_settings

    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise _unauthorized() from error
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise _unauthorized()
    try:
        claims = jwt.decode(
            token,
            key=JWKS.key(kid),
            algorithms=[ALGORITHM],
            issuer=settings.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id"], "verify_aud": False},
        )
    except jwt.PyJWTError as error:
        raise _unauthorized() from error
    if claims.get("token_use") != "access" or claims.get("client_id") != settings.user_pool_client_id:
        raise _unauthorized()
    session_id = str(claims.get("origin_jti") or claims.get("jti") or "")
    if sessions.session_revoked(session_id):
        raise _unauthorized()
    groups = claims.get("cognito:groups") or []
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise _unauthorized()
    return Caller(
        user_id=str(claims["sub"]),
        groups=tuple(groups),
        session_id=session_id,
        token_expires_at=int(claims["exp"]),
    )


# ``backend.contracts.ACCESS_TOKEN_HEADER`` (tested equal): not imported, so the IoT authorizer,
# which verifies tokens with this module, does not load every API model on a cold start.
ACCESS_TOKEN_HEADER = "X-Lumi-Authorization"


def bearer_token_from(headers: dict[str, str] | None) -> str:
    """The Bearer token of ``X-Lumi-Authorization`` if the call has that header, else of ``Authorization``.

    The app server's calls carry the person's token in ``X-Lumi-Authorization``: in AWS their
    ``Authorization`` holds the app server's own SigV4 signature (the function URL checked it).
    """
    found: dict[str, str] = {}
    for name, header in (headers or {}).items():
        found.setdefault(name.lower(), header or "")
    value = found.get(ACCESS_TOKEN_HEADER.lower(), found.get("authorization", ""))
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Please sign in.")
    return token.strip()


def bearer_token(request: Request) -> str:
    return bearer_token_from(request.headers)


def current_caller(request: Request) -> Caller:
    """The verified caller, also left in ``request.context["caller"]`` for middlewares."""
    caller = verify_access_token(bearer_token(request))
    request.context["caller"] = caller
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
AccessToken = Annotated[str, Depends(bearer_token)]
