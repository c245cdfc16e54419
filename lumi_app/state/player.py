"""The music player's state: the person's queue and what plays (saved through ``/music/player``).

Any page starts music through these events: ``play_songs`` (replace the queue with these songs
and play the one at ``start_index``), ``play_next`` and ``add_to_queue``. The player bar in the
shell shows this state; the audio elements belong to ``assets/lumi-player.js``, outside React,
so music keeps playing while the person moves between pages.
"""

from __future__ import annotations

import reflex as rx


class PlayerState(rx.State):
    """Interface for the library pages; the player (issue 12) fills it in."""

    @rx.event
    async def play_songs(self, song_ids: list[str], start_index: int = 0) -> None:
        """Replace the queue with ``song_ids`` and play ``song_ids[start_index]``."""

    @rx.event
    async def play_next(self, song_id: str) -> None:
        """Queue ``song_id`` right after what plays now."""

    @rx.event
    async def add_to_queue(self, song_id: str) -> None:
        """Queue ``song_id`` at the end."""
