"""Garbage collection paused while the API handler's modules load.

Importing ``backend.api.app`` makes a few hundred thousand objects (modules, classes, models,
routes) and almost no garbage, yet the collector runs over a hundred times meanwhile, each
time scanning what was made so far: about a tenth of the import. ``backend.api.app`` imports
this module first, which pauses collection, and calls :func:`resume` once every route is
registered: what exists by then is frozen (``gc.freeze``: kept out of every later
collection, which stays short for requests) and collection resumes.
"""

from __future__ import annotations

import gc

_paused_here = gc.isenabled()
gc.disable()


def resume() -> None:
    """Freeze what the import made and let the collector run again (if it ran before)."""
    if _paused_here:
        gc.freeze()
        gc.enable()
