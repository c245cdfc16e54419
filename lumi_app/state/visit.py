"""Page visits: a page never shows what it held on another visit, and a load never undoes the person's typing.

The browser gives every page it opens a new visit key (``assets/lumi-visit.js``: a document
load, or a navigation to another path or query) and keeps it over websocket reconnects. Reflex
sends it as client storage before a page's ``on_load`` handlers run, so:

- a page's load asks :func:`opens_new_visit`: True starts the page clean (drafts, messages,
  the previous visit's data), False is the same visit coming back after a reconnect, which
  keeps what the person typed and only refreshes the data quietly;
- the shell shows a page's content only while :func:`visit_open` holds: once
  :meth:`VisitState.show`, the last ``on_load`` of every page, has run for the visit the
  browser is on. Until then the person sees "Loading…", never another visit's state, and no
  input is there to type into and lose. A reconnect does not close it (same key), so the
  page, a chosen file and the scroll position stay.

Reflex resets ``is_hydrated`` on every route change too, but also on every reconnect, and the
first render after a navigation still sees the previous page's ``True``; the key has neither
problem. Without the script (or storage), the gate falls back to ``is_hydrated``.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import reflex as rx
from reflex_base.vars import Var, VarData

from lumi_app.state.views import zone_named

VISIT_STORAGE_KEY = "lumi_visit"
# The browser's IANA time zone, written by lumi-visit.js before the app starts: moments are
# grouped by the days of the person looking at them.
ZONE_STORAGE_KEY = "lumi_zone"


class VisitState(rx.State):
    """Which visit of a page this tab is on (the browser's key) and which one is ready to show."""

    key: str = rx.SessionStorage("", name=VISIT_STORAGE_KEY)
    time_zone: str = rx.SessionStorage("", name=ZONE_STORAGE_KEY)
    shown: str = ""

    @rx.event
    def show(self) -> None:
        """The last on_load of every page: this visit's loads have begun, its content may show."""
        self.shown = self.key


async def opens_new_visit(state: Any) -> bool:
    """In a page's load: is this a new visit of the page (and remember it), or the same one reconnecting?

    The page state keeps ``_visit: str``, the key of the visit its data and drafts belong to.
    """
    key = (await state.get_state(VisitState)).key
    if key and state._visit == key:
        return False
    state._visit = key
    return True


async def viewer_zone(state: Any) -> tzinfo:
    """The time zone of the browser this tab is in (UTC until it has said)."""
    return zone_named((await state.get_state(VisitState)).time_zone)


def visit_open() -> Var[bool]:
    """True while the browser's current visit is the one whose loads have run (see the module docstring).

    It also reads ``is_hydrated``, so the gate re-renders on the router's route change (before
    any answer from the backend) and closes at once even between two pages of one route.
    """
    hydrated = rx.State.is_hydrated
    shown = VisitState.shown
    code = (
        f"((hydrated, shown) => (typeof window !== 'undefined' && window.lumiVisit && window.lumiVisit.key)"
        f" ? shown === window.lumiVisit.key : hydrated)({hydrated}, {shown})"
    )
    return Var(code, _var_type=bool, _var_data=VarData.merge(hydrated._get_all_var_data(), shown._get_all_var_data()))  # type: ignore[return-value]


__all__ = ["VISIT_STORAGE_KEY", "ZONE_STORAGE_KEY", "VisitState", "opens_new_visit", "viewer_zone", "visit_open"]
