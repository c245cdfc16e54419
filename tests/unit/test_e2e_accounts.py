"""The e2e suite's pacing keeps its auth attempts within what the API's sliding window lets through,
and its account pool reads what e2e/README.md says it reads."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from backend.api import ratelimit
from e2e import accounts
from e2e.accounts import AccountPool, AuthPacer


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def sliding_count(events: list[float], at: float) -> int:
    """What ``backend.api.ratelimit.hit`` compares with the limit at ``at``: the attempts in the last window."""
    return sum(1 for t in events if at - ratelimit.WINDOW_SECONDS < t <= at)


@pytest.mark.parametrize("limit", [5, 20, 60])
@pytest.mark.parametrize("seed", range(6))
def test_paced_attempts_never_reach_the_apis_limit(monkeypatch: pytest.MonkeyPatch, limit: int, seed: int) -> None:
    # given a pacer for the deployment's limit, and a suite that tries as fast as it can, pausing now
    # and then (long enough to fill the bucket again) at any offset within a minute
    rng = random.Random(seed)
    clock = FakeClock(start=1_000_000 + rng.uniform(0, 60))
    monkeypatch.setattr(accounts.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(accounts.time, "sleep", clock.sleep)
    pacer = AuthPacer(limit)
    events: list[float] = []

    # when it makes 300 attempts
    for _ in range(300):
        if rng.random() < 0.1:
            clock.sleep(rng.uniform(0, 90))
        pacer.take()
        events.append(clock.now)
        # then none of them is refused, with a tenth of the limit to spare for the app's own attempts
        assert sliding_count(events, clock.now) <= limit - max(1, limit // 10)


def test_without_a_limit_nothing_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(start=0)
    monkeypatch.setattr(accounts.time, "sleep", clock.sleep)
    pacer = AuthPacer(0)
    assert sum(pacer.take() for _ in range(1000)) == 0 and clock.now == 0


def test_the_pool_hands_out_each_account_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{"email": "a@example.com", "password": "pw-1"}, {"email": "b@x.org", "password": "2"}]))
    pool = AccountPool()
    assert not pool.configured
    pool.load(str(path))
    assert pool.configured and len(pool) == 2
    assert [pool.take(), pool.take(), pool.take()] == [
        accounts.PoolAccount("a@example.com", "pw-1"),
        accounts.PoolAccount("b@x.org", "2"),
        None,
    ]


@pytest.mark.parametrize(
    "content", ["[]", "{}", '[{"email": "a@example.com"}]', '[{"password": "x"}]', '["a@example.com"]']
)
def test_a_pool_file_that_is_not_a_list_of_accounts_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="LUMI_E2E_ACCOUNTS"):
        AccountPool().load(str(path))
