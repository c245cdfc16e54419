"""Presence rules: tabs add up to online / idle / offline, and which changes the partner hears of."""

from __future__ import annotations

import pytest

from backend.domain.presence import (
    MAX_CONNECTIONS,
    Connection,
    Presence,
    aggregate,
    beat,
    changed,
    gone,
    next_expiry,
    sweep,
)

TIMEOUT = 30.0
T0 = 1_700_000_000.0


def test_nobody_is_offline() -> None:
    assert aggregate({}, T0, TIMEOUT) == "offline"
    assert Presence().state == "offline" and Presence().last_seen is None


@pytest.mark.parametrize(
    ("activities", "expected"),
    [
        (["active"], "online"),
        (["idle"], "idle"),
        (["idle", "active"], "online"),
        (["idle", "idle"], "idle"),
    ],
)
def test_fresh_connections_add_up(activities: list[str], expected: str) -> None:
    connections = {f"tab{i}": Connection(a, T0) for i, a in enumerate(activities)}  # type: ignore[arg-type]
    assert aggregate(connections, T0 + 1, TIMEOUT) == expected


def test_a_connection_is_fresh_until_the_timeout_and_stale_from_it() -> None:
    connections = {"tab": Connection("active", T0)}
    assert aggregate(connections, T0 + TIMEOUT - 0.001, TIMEOUT) == "online"
    assert aggregate(connections, T0 + TIMEOUT, TIMEOUT) == "offline"


def test_a_stale_active_tab_does_not_hide_a_fresh_idle_one() -> None:
    connections = {"old": Connection("active", T0), "new": Connection("idle", T0 + 20)}
    assert aggregate(connections, T0 + 35, TIMEOUT) == "idle"


def test_one_tab_goes_online_idle_and_offline_when_closed() -> None:
    # given
    p0 = Presence()
    # when / then
    p1 = beat(p0, "tab", "active", T0, TIMEOUT)
    assert (p1.state, p1.last_seen, changed(p0, p1)) == ("online", T0, True)
    p2 = beat(p1, "tab", "active", T0 + 10, TIMEOUT)
    assert (p2.state, p2.last_seen, changed(p1, p2)) == ("online", T0 + 10, False)
    p3 = beat(p2, "tab", "idle", T0 + 20, TIMEOUT)
    assert (p3.state, changed(p2, p3)) == ("idle", True)
    p4 = gone(p3, "tab", T0 + 25, TIMEOUT)
    assert (p4.state, p4.last_seen, dict(p4.connections), changed(p3, p4)) == ("offline", T0 + 25, {}, True)


def test_two_tabs_count_together() -> None:
    p = beat(beat(Presence(), "a", "active", T0, TIMEOUT), "b", "idle", T0 + 1, TIMEOUT)
    assert p.state == "online"

    one_closed = gone(p, "a", T0 + 2, TIMEOUT)
    assert one_closed.state == "idle" and set(one_closed.connections) == {"b"}

    both_closed = gone(one_closed, "b", T0 + 3, TIMEOUT)
    assert both_closed.state == "offline" and both_closed.last_seen == T0 + 3


def test_closing_an_unknown_or_long_silent_tab_does_not_move_last_seen() -> None:
    p = beat(Presence(), "a", "active", T0, TIMEOUT)
    assert gone(p, "never-seen", T0 + 5, TIMEOUT).last_seen == T0
    late = gone(p, "a", T0 + TIMEOUT + 60, TIMEOUT)
    assert late.state == "offline" and late.last_seen == T0


def test_sweep_forgets_silent_tabs_and_keeps_their_last_beat_as_last_seen() -> None:
    p = beat(beat(Presence(), "a", "active", T0, TIMEOUT), "b", "idle", T0 + 20, TIMEOUT)

    partly = sweep(p, T0 + 31, TIMEOUT)
    assert partly.state == "idle" and set(partly.connections) == {"b"} and changed(p, partly)

    all_gone = sweep(partly, T0 + 51, TIMEOUT)
    assert all_gone.state == "offline" and all_gone.last_seen == T0 + 20 and changed(partly, all_gone)
    assert not changed(all_gone, sweep(all_gone, T0 + 60, TIMEOUT))


def test_next_expiry_is_when_the_first_fresh_tab_goes_stale() -> None:
    p = beat(beat(Presence(), "a", "active", T0, TIMEOUT), "b", "idle", T0 + 5, TIMEOUT)
    assert next_expiry(p, TIMEOUT) == T0 + TIMEOUT
    assert next_expiry(gone(p, "a", T0 + 6, TIMEOUT), TIMEOUT) == T0 + 5 + TIMEOUT
    assert next_expiry(Presence(), TIMEOUT) is None


def test_a_beat_sweeps_stale_tabs_of_the_same_person() -> None:
    p = beat(Presence(), "old", "active", T0, TIMEOUT)
    p = beat(p, "new", "idle", T0 + TIMEOUT + 1, TIMEOUT)
    assert set(p.connections) == {"new"} and p.state == "idle"


def test_a_client_inventing_connection_ids_cannot_grow_the_record_without_bound() -> None:
    p = Presence()
    for i in range(MAX_CONNECTIONS + 10):
        p = beat(p, f"tab{i:03d}", "active", T0 + i * 0.01, TIMEOUT)
    assert len(p.connections) == MAX_CONNECTIONS
    assert "tab000" not in p.connections and f"tab{MAX_CONNECTIONS + 9:03d}" in p.connections


def test_presence_values_are_immutable() -> None:
    p = beat(Presence(), "a", "active", T0, TIMEOUT)
    with pytest.raises(TypeError):
        p.connections["b"] = Connection("idle", T0)  # type: ignore[index]
