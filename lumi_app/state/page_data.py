"""Loading what a page shows: with a loading state when it opens, quietly when a live message says it changed.

A page state keeps ``loaded`` and ``loaded_for`` (the ``SessionState.context_key`` its data
belongs to) and an async ``fetch()`` that sets its data and ends with :func:`mark_loaded`.
Its event handlers delegate here, so every page treats a failed fetch alike: an ended
session sends the person to sign in, any other API error is shown in the page's own field.

Plain functions rather than a base state: every public method of a State is an event the
browser could trigger, and these are driven by the page's own handlers
(``async for update in load_page_data(self, self._fetch): yield update``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from reflex_base.event import EventSpec

from lumi_app.api_client import ApiError
from lumi_app.state.session import SessionEnded, SessionState, is_signed_in, login_redirect


async def load_page_data(
    state: Any,
    fetch: Callable[[], Awaitable[None]],
    *,
    error: str = "error",
    clear: Iterable[str] = (),
    loaded_on_error: bool = False,
) -> AsyncIterator[EventSpec | None]:
    """Fetch with a loading state: empty the messages, show "Loading…", then the data or what went wrong.

    ``error`` names the state var showing a failed fetch; it and the vars in ``clear`` are
    emptied first. ``loaded_on_error`` ends the loading state after a failure too (for pages
    whose error sits above content that still makes sense).
    """
    if not await is_signed_in(state):
        return
    for name in (error, *clear):
        setattr(state, name, "")
    state.loaded = False
    yield
    try:
        await fetch()
    except SessionEnded:
        yield await login_redirect(state)
    except ApiError as failure:
        setattr(state, error, failure.message)
        if loaded_on_error:
            state.loaded = True


async def refresh_page_data(
    state: Any, fetch: Callable[[], Awaitable[None]], *, error: str = "error"
) -> AsyncIterator[EventSpec | None]:
    """Fetch again without a loading state (what is shown stays until the new data arrives).

    Only once the page has loaded: a live message must not race the page's own loading.
    """
    if not state.loaded or not await is_signed_in(state):
        return
    try:
        await fetch()
    except SessionEnded:
        yield await login_redirect(state)
    except ApiError as failure:
        setattr(state, error, failure.message)


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


async def mark_loaded(state: Any) -> None:
    """The data is in: show it, for the person and relationship signed in now."""
    state.loaded = True
    state.loaded_for = (await state.get_state(SessionState)).context_key
