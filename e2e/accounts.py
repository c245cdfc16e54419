"""Where the suite's people come from, and how fast it may make them.

A deployment limits what one address may send to its auth routes: sign-up, log in, log out,
changing the password and deleting an account share one budget per client address
(``LUMI_RATE_LIMIT_AUTH_PER_MINUTE``, 20 a minute by default, a sliding window). The suite
never asks for that limit to be turned off: every page object that submits to an auth route
first takes a turn from :data:`auth_pacer`, which waits when the budget would run out.

A deployment where signing up is closed (or slow) can give the suite a pool of accounts
instead (``LUMI_E2E_ACCOUNTS``, see :class:`AccountPool`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from backend.settings import Settings

# The app's own default (Settings.rate_limit_auth_per_minute): what a deployment has unless it says otherwise.
DEFAULT_AUTH_PER_MINUTE: int = Settings.model_fields["rate_limit_auth_per_minute"].default
AUTH_PER_MINUTE_ENV = "LUMI_E2E_AUTH_PER_MINUTE"
ACCOUNTS_ENV = "LUMI_E2E_ACCOUNTS"


class AuthPacer:
    """A token bucket that keeps the suite's auth attempts within a deployment's per-minute limit.

    The API counts attempts in a sliding window (those of the last 60 seconds). A bucket of
    ``burst`` turns refilled at ``rate`` a second never lets that count pass
    ``burst + 60 * rate``; that is held below the limit with a tenth of it (at least one) left
    for the auth calls the app makes by itself (a new tab trading its refresh token) or that a
    person's test makes outside the page objects.
    """

    def __init__(self, per_minute: int = 0) -> None:
        self._lock = threading.Lock()
        self.configure(per_minute)

    def configure(self, per_minute: int) -> None:
        """``per_minute`` is the deployment's limit; 0 turns pacing off (the suite's own system)."""
        with self._lock:
            self.per_minute = per_minute
            budget = max(1, per_minute - max(1, per_minute // 10))
            self.burst = max(1, budget // 4)
            self.rate = max(budget - self.burst, 1) / 60.0
            self._tokens = float(self.burst)
            self._at = time.monotonic()
            self.waited = 0.0
            self.refused = 0

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self) -> float:
        """Take one turn, waiting until the budget allows it; the seconds waited."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited += wait
        if wait:
            time.sleep(wait)  # a rate to keep, not a condition to wait for
        return wait

    def back_off(self) -> None:
        """The deployment said "too many attempts" all the same (another run shares the address):
        empty the bucket, so the next turn waits for a whole refill."""
        with self._lock:
            self.refused += 1
            self._tokens = min(self._tokens, 0.0)
            self._at = time.monotonic()


# One budget for the whole run, as the deployment keeps one for this machine's address.
auth_pacer = AuthPacer()


@dataclass(frozen=True)
class PoolAccount:
    email: str
    password: str


class AccountPool:
    """Existing accounts to play the suite's people with, read from ``LUMI_E2E_ACCOUNTS``.

    The file is a JSON list of ``{"email": …, "password": …}``. Each account plays one person
    once per run, in the file's order, when that person would sign up; it must be fresh
    (unpaired, no requests, nothing unread, no moments, no photo, every notification kind on),
    as a new sign-up is. The suite gives it the person's display name, uses it, and logs it out
    at the end; it does not delete it.
    """

    def __init__(self) -> None:
        self._accounts: list[PoolAccount] = []
        self._next = 0
        self.source = ""

    @property
    def configured(self) -> bool:
        return bool(self.source)

    def load(self, path: str) -> None:
        entries = json.loads(Path(path).read_text())
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{ACCOUNTS_ENV}={path}: expected a JSON list of {{email, password}}")
        accounts = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not entry.get("email") or not entry.get("password"):
                raise ValueError(f"{ACCOUNTS_ENV}={path}: entry {index} needs an email and a password")
            accounts.append(PoolAccount(email=str(entry["email"]), password=str(entry["password"])))
        self._accounts, self._next, self.source = accounts, 0, path

    def __len__(self) -> int:
        return len(self._accounts)

    def take(self) -> PoolAccount | None:
        """The next unused account, or None once every one has played."""
        if self._next >= len(self._accounts):
            return None
        account = self._accounts[self._next]
        self._next += 1
        return account


# Empty (people sign up) unless the conftest loads LUMI_E2E_ACCOUNTS.
account_pool = AccountPool()


def auth_per_minute_for_deployment() -> int:
    """The deployment's auth limit per minute, as ``LUMI_E2E_AUTH_PER_MINUTE`` says (0: no limit)."""
    value = os.environ.get(AUTH_PER_MINUTE_ENV, "").strip()
    if not value:
        return DEFAULT_AUTH_PER_MINUTE
    per_minute = int(value)
    if per_minute < 0:
        raise ValueError(f"{AUTH_PER_MINUTE_ENV} must be 0 (no limit) or more, not {value}")
    return per_minute
