"""The sliding-window rate limit, on the real Redis: a burst split across a minute's edge is still limited."""

from __future__ import annotations

import uuid

import pytest

from backend.api import ratelimit
from backend.domain.errors import RateLimited
from backend.local.stack import LocalStack

LIMIT = 5


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(0.0)
    monkeypatch.setattr(ratelimit.time, "time", clock.time)
    return clock


def hits(bucket: str, count: int) -> list[int | None]:
    """Each attempt's Retry-After when refused, None when let through."""
    out: list[int | None] = []
    for _ in range(count):
        try:
            ratelimit.hit(bucket, "someone", LIMIT)
            out.append(None)
        except RateLimited as refused:
            out.append(refused.retry_after)
    return out


def test_a_burst_across_a_minutes_edge_is_limited_like_any_other(clock: Clock) -> None:
    # given three attempts just before a minute ends
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    edge = 1_800_000_000.0  # a whole minute
    clock.now = edge - 0.2
    assert hits(bucket, 3) == [None, None, None]

    # when three more come just after it, then the sixth is refused (a fixed window let it through)
    clock.now = edge + 0.2
    third, fourth, sixth = hits(bucket, 3)
    assert (third, fourth) == (None, None)
    assert sixth is not None and 1 <= sixth <= 60


def test_the_budget_comes_back_as_the_last_minute_fades(clock: Clock) -> None:
    # given the whole budget used in the second half of one minute
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    start = 1_800_000_000.0
    clock.now = start + 50
    assert hits(bucket, LIMIT) == [None] * LIMIT

    # then early in the next minute it is still spent, and says how long until one more fits
    clock.now = start + 60 + 5
    (refused,) = hits(bucket, 1)
    assert refused is not None and 1 <= refused <= 60

    # and a full minute after the burst there is room again
    clock.now = start + 60 + 51
    assert hits(bucket, 1) == [None]


def test_retry_after_is_within_a_minute_and_a_retry_then_is_let_through(clock: Clock) -> None:
    # given the budget spent at the very start of a minute, then hammered while refused
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    start = 1_800_000_000.0
    clock.now = start + 0.1
    assert hits(bucket, LIMIT) == [None] * LIMIT
    clock.now = start + 0.5
    refused = hits(bucket, 20)

    # then every refusal asks for at most a minute (the old two-window estimate asked for up to two)
    assert all(wait is not None and 1 <= wait <= 60 for wait in refused)

    # and refused attempts are not counted: waiting what the last refusal said is enough
    clock.now += refused[-1]
    assert hits(bucket, 1) == [None]
