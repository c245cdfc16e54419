"""The playlists bench's pure helpers: the order a move makes, and random moves that change it."""

from __future__ import annotations

import random

from bench.playlists import moved, pick_move


def test_a_move_puts_the_entry_right_after_its_anchor_or_first() -> None:
    order = ["a", "b", "c", "d"]
    assert moved(order, "a", "c") == ["b", "c", "a", "d"]
    assert moved(order, "d", None) == ["d", "a", "b", "c"]
    assert moved(order, "b", "d") == ["a", "c", "d", "b"]
    assert moved(order, "c", "b") == order  # already there
    assert order == ["a", "b", "c", "d"]  # not changed in place


def test_random_moves_always_change_the_order() -> None:
    rng = random.Random(3)
    order = [str(n) for n in range(6)]
    for _ in range(300):
        entry_id, after = pick_move(order, rng, to_start=0.3)
        assert entry_id != after
        changed = moved(order, entry_id, after)
        assert changed != order and sorted(changed) == sorted(order)
        order = changed
