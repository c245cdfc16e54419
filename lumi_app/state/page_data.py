"""Loading what a page shows: once per visit with a loading state, quietly when it changed, outside the lock.

A page state keeps ``loaded``, ``loaded_for`` (the ``SessionState.context_key`` its data
belongs to), ``error``, and two backend-only fields: ``_visit`` (the visit its data and drafts
belong to, see ``lumi_app/state/visit.py``) and ``_generation`` (which fetch is the page's
latest). It splits its fetch in two:

- ``_get(api)`` makes the API calls through ``api`` (an :class:`ApiOutsideLock`: together
  with ``api.gather``, and without holding the tab's state lock, so the tab's other events,
  the person's typing among them, are not held up) and returns what it got;
- ``_show(data)`` puts it into the state (under the lock).

Its ``on_load`` calls :func:`open_page`, which decides under the lock what the visit starts
with and returns the page's background ``fetch`` event; that event calls :func:`run_fetch`.
Every fetch carries the generation it was started for, and its data is shown only if no newer
load, refresh or visit has begun since: a slow answer never overwrites a newer one, or what
the person did meanwhile. A failed fetch is handled alike on every page: an ended session
sends the person to sign in, any other API error is shown in the page's own field.

Plain functions rather than a base state: every public method of a State is an event the
browser could trigger, and these are driven by the page's own handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from reflex_base.event import EventHandler, EventSpec

from lumi_app.api_client import ApiError
from lumi_app.state.session import (
    ApiOutsideLock,
    SessionEnded,
    SessionState,
    api_call,
    is_signed_in,
    login_redirect,
)
from lumi_app.state.visit import opens_new_visit


async def open_page(
    state: Any,
    fetch: EventHandler,
    *,
    reset: Callable[[], None] | None = None,
    error: str = "error",
    clear: Iterable[str] = (),
) -> EventSpec | None:
    """A page's on_load: a new visit starts clean and shows "Loading…"; the same visit coming
    back after a reconnect keeps what is on screen (and what the person typed) and refreshes it.

    ``reset`` empties the page's per-visit fields (drafts, dialogs, the previous visit's data);
    ``error`` and the vars in ``clear`` are emptied on a new visit too. Returns the page's
    background ``fetch`` event (``fetch(generation)``) for the on_load to return.
    """
    if not await is_signed_in(state):
        return None
    if await opens_new_visit(state):
        if reset is not None:
            reset()
        for name in (error, *clear):
            setattr(state, name, "")
        return begin_load(state, fetch)
    if not state.loaded:  # its first fetch never answered (a reconnect cut it), or "Try again"
        setattr(state, error, "")
        return begin_load(state, fetch)
    return begin_refresh(state, fetch)


def begin_load(state: Any, fetch: EventHandler) -> EventSpec:
    """Show "Loading…" and fetch (a filter changed, "Try again"): under the lock, returns the event."""
    state.loaded = False
    state._generation += 1
    return fetch(state._generation)  # type: ignore[operator]


def begin_refresh(state: Any, fetch: EventHandler) -> EventSpec | None:
    """Fetch again keeping what is shown until the new data arrives (a live message said it changed).

    Only once the page has loaded: until then its own load's answer is on the way.
    """
    if not state.loaded:
        return None
    state._generation += 1
    return fetch(state._generation)  # type: ignore[operator]


async def run_fetch(
    state: Any,
    generation: int,
    get: Callable[[ApiOutsideLock], Awaitable[Any]],
    show: Callable[[Any], Awaitable[EventSpec | None]],
    *,
    error: str = "error",
    loaded_on_error: bool = False,
) -> AsyncIterator[EventSpec]:
    """The body of a page's background ``fetch`` event (``state`` is its state proxy).

    ``show`` may return an event to run once the data is shown (asking the browser something).
    ``loaded_on_error`` ends the loading state after a failure too (for pages whose error sits
    above content that still makes sense).
    """
    try:
        data = await get(ApiOutsideLock(state))
    except SessionEnded:
        async with state:
            redirect = await login_redirect(state) if state._generation == generation else None
        if redirect is not None:
            yield redirect
        return
    except ApiError as failure:
        async with state:
            if state._generation == generation:
                setattr(state, error, failure.message)
                if loaded_on_error:
                    state.loaded = True
        return
    async with state:
        if state._generation != generation:
            return  # a newer load, refresh or visit has its own answer coming
        after = await show(data)
        await mark_loaded(state)
    if after is not None:
        yield after


async def load_next_page(
    state: Any, fetch_more: Callable[[], Awaitable[None]], *, error: str = "error"
) -> AsyncIterator[EventSpec | None]:
    """The next page of an endless list ("Load more", or the autoload script pressing it).

    The state keeps ``loading_more`` and ``has_more``; a press while a page is on its way,
    or after the last one, does nothing.
    """
    if state.loading_more or not state.has_more:
        return
    state.loading_more = True
    setattr(state, error, "")
    yield
    try:
        await fetch_more()
    except SessionEnded:
        yield await login_redirect(state)
    except ApiError as failure:
        setattr(state, error, failure.message)
    finally:
        state.loading_more = False


class ApiUnderLock:
    """:class:`ApiOutsideLock`'s interface for a foreground event, which holds the lock anyway
    ("Load more" reuses the page's ``_get``)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    async def call(self, action: Callable[..., Awaitable[Any]]) -> Any:
        return await api_call(self.state, action)

    async def gather(self, *actions: Callable[..., Awaitable[Any]]) -> list[Any]:
        return [await self.call(action) for action in actions]


async def mark_loaded(state: Any) -> None:
    """The data is in: show it, for the person and relationship signed in now."""
    state.loaded = True
    state.loaded_for = (await state.get_state(SessionState)).context_key


__all__ = [
    "ApiUnderLock",
    "begin_load",
    "begin_refresh",
    "load_next_page",
    "mark_loaded",
    "open_page",
    "run_fetch",
]
