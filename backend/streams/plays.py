"""Stream steps of plays: count a new play in its day and periods, once, and bring the periods'
top lists up to date (both safe to run again: see ``backend.store.plays``)."""

from __future__ import annotations

from typing import Any

from backend.store import plays as store

Image = dict[str, Any]


def play_recorded(new: Image) -> None:
    play = store.play_from(new)
    store.count(play)
    # also when it was counted before: a crash between the two steps converges on the retry
    store.merge_top(play)
