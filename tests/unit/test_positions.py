"""Fractional positions: always one between two, in string order, and short in practice."""

from __future__ import annotations

import random

import pytest

from backend.domain.positions import between, is_position, spread


def test_positions_between_the_ends_and_each_other() -> None:
    first = between(None, None)
    assert first == "V" and is_position(first)
    before, after = between(None, first), between(first, None)
    assert before < first < after
    assert between("V", "W") == "VV" and "V" < "VV" < "W"
    assert between("a", "a1") == "a0V" and "a" < "a0V" < "a1"
    assert between("z", None) > "z" and between(None, "1") < "1"


def test_a_thousand_random_inserts_keep_order_and_stay_short() -> None:
    rng = random.Random(12)
    ordered: list[str] = []
    for _ in range(1000):
        at = rng.randint(0, len(ordered))
        new = between(ordered[at - 1] if at else None, ordered[at] if at < len(ordered) else None)
        ordered.insert(at, new)
        assert is_position(new)
    assert ordered == sorted(ordered) and len(set(ordered)) == 1000
    assert max(len(p) for p in ordered) <= 6


def test_appending_and_prepending_grow_slowly() -> None:
    last: str | None = None
    for _ in range(500):
        last = between(last, None)
    assert last is not None and len(last) <= 90
    first: str | None = None
    for _ in range(500):
        first = between(None, first)
    assert first is not None and len(first) <= 90


def test_spread_gives_many_short_positions_at_once() -> None:
    many = spread("V", "W", 100)
    assert len(many) == 100 and many == sorted(many) and len(set(many)) == 100
    assert all("V" < p < "W" for p in many) and max(len(p) for p in many) <= 4
    assert spread(None, None, 0) == []


@pytest.mark.parametrize(("before", "after"), [("W", "V"), ("V", "V"), ("V0", None), (None, "x!"), ("", "0")])
def test_what_is_not_a_pair_of_positions_is_refused(before: str | None, after: str | None) -> None:
    with pytest.raises(ValueError):
        between(before, after)
