"""Moments: the couple's videos and photos, newest first under day headings ("Today",
"Yesterday", "12 November", the viewer's days), all / mine / my partner's, with search.

The grid pages with the API's opaque ``next`` token: "Load more" at the bottom fetches the
next page and ``assets/lumi-autoload.js`` presses it when it scrolls into view. Live
``MomentChangedMessage``s keep it current while it is open: a new moment of the partner
appears on top (under "Today"), its preview replaces the placeholder once it is made (a
photo's "Preparing the photo…" once the media job is done), and a deleted one goes, all
without a reload.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import MomentChangedMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import (
    PAGE_SIZE,
    MomentCard,
    MomentDay,
    by_day,
    has_card,
    icon_link,
    load_more,
    loading,
    moment_grid,
    moments_by_day,
    not_paired_state,
    replace_card,
    with_page,
    without_card,
)
from lumi_app.components.shell import page
from lumi_app.state.couple import is_not_paired, unless_not_paired
from lumi_app.state.page_data import ApiUnderLock, begin_load, begin_refresh, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, refresh_on_couple_change, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.visit import viewer_zone

SEARCH_LIMIT = 50
SEARCH_MAX = 200
SEARCH_ID = "moment-search"
FILTERS = ("all", "mine", "partner")


def matches_filter(card: MomentCard, filter: str, viewer_id: str) -> bool:
    if filter == "mine":
        return card.owner_id == viewer_id
    if filter == "partner":
        return card.owner_id != viewer_id
    return True


class FeedState(rx.State):
    filter: str = "all"  # all | mine | partner
    cards: list[MomentCard] = []
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    not_paired: bool = False
    has_more: bool = False
    loading_more: bool = False
    error: str = ""

    query: str = ""  # the search whose results show; "" shows the feed
    results: list[MomentCard] = []
    searching: bool = False
    search_error: str = ""

    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def in_search(self) -> bool:
        return self.query != ""

    @rx.var(cache=True)
    def days(self) -> list[MomentDay]:
        return by_day(self.cards)

    @rx.var(cache=True)
    def list_title(self) -> str:
        return {"mine": "Your moments", "partner": "Your partner's moments"}.get(self.filter, "All moments")

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        """A page of moments, or None when the person has no partner (the API is the judge: they
        may have paired in another tab)."""
        filter, next_token = self.filter, (self._next if more else None)
        return await api.call(
            lambda api, token: unless_not_paired(api.moments(token, filter=filter, next=next_token, limit=PAGE_SIZE))
        )

    async def _show(self, moment_page: Any, *, more: bool = False) -> None:
        if moment_page is None:
            self._show_not_paired()
            return
        viewer_id, zone = (await self.get_state(SessionState)).user_id, await viewer_zone(self)
        cards = [MomentCard.of(moment, viewer_id, zone) for moment in moment_page.items]
        self.cards = with_page(self.cards, cards, more=more)
        self.not_paired = False
        self._next = moment_page.next or ""
        self.has_more = bool(moment_page.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _show_not_paired(self) -> None:
        self.not_paired = True
        self.cards = []
        self._next = ""
        self.has_more = False

    def _reset(self) -> None:
        """A new visit: the feed, not the last visit's search."""
        self.query = ""
        self.results = []
        self.search_error = ""

    @rx.event
    async def load(self):
        return await open_page(self, FeedState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def reload(self):
        """ "Try again" after a failed load."""
        self.error = ""
        return begin_load(self, FeedState.fetch)

    @rx.event
    def refresh(self):
        """The couple changed (paired, left): fetch again without a loading state."""
        return begin_refresh(self, FeedState.fetch)

    @rx.event
    def show(self, choice: str):
        """The All / Mine / My partner's filter."""
        choice = choice if choice in FILTERS else "all"
        if choice == self.filter and self.loaded:
            return None
        self.filter = choice
        self.error = ""
        return begin_load(self, FeedState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    # ------------------------------------------------------------ search

    @rx.event
    async def search(self, form: dict[str, Any]):
        query = " ".join(str(form.get("q") or "").split())
        if not query:
            yield FeedState.clear_search
            return
        if len(query) > SEARCH_MAX:
            self.search_error = f"Search for up to {SEARCH_MAX} characters."
            return
        if self.searching:
            return
        self.query = query
        self.results = []
        self.search_error = ""
        self.searching = True
        yield
        try:
            found = await api_call(self, lambda api, token: api.search_moments(token, query, limit=SEARCH_LIMIT))
            viewer_id, zone = (await self.get_state(SessionState)).user_id, await viewer_zone(self)
            self.results = [MomentCard.of(moment, viewer_id, zone) for moment in found.items]
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.search_error = (
                "Pair with your partner first: moments are for two." if is_not_paired(failure) else failure.message
            )
        finally:
            self.searching = False

    @rx.event
    def clear_search(self):
        """Back from search results to the feed (which stayed as it was)."""
        self.query = ""
        self.results = []
        self.search_error = ""
        return rx.set_value(SEARCH_ID, "")

    # ------------------------------------------------------------ live

    @rx.event
    async def refetch_moment(self, moment_id: str, created: bool = False):
        """A moment changed (a live message): fetch it and put it in place, or on top when it is new."""
        if not self.loaded or self.not_paired:
            return
        try:
            moment = await api_call(self, lambda api, token: api.moment(token, moment_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                self.cards = without_card(self.cards, moment_id)
                self.results = without_card(self.results, moment_id)
            return  # anything else: what is shown stays until the next load
        viewer_id = (await self.get_state(SessionState)).user_id
        card = MomentCard.of(moment, viewer_id, await viewer_zone(self))
        self.cards, found = replace_card(self.cards, card)
        self.results, _ = replace_card(self.results, card)
        if not found and created and matches_filter(card, self.filter, viewer_id):
            self.cards = [card, *self.cards]


async def _apply_live(state: Any, message: MomentChangedMessage) -> Any:
    """Under the tab's state lock: drop a deleted card here, fetch anything else as an event."""
    if not state.loaded or state.not_paired or not await tab_shows(state, routes.MOMENTS):
        return None
    moment_id = message.moment_id
    if message.change == "deleted":
        state.cards = without_card(state.cards, moment_id)
        state.results = without_card(state.results, moment_id)
        return None
    known = has_card(state.cards, moment_id) or has_card(state.results, moment_id)
    if known or message.change in ("created", "thumbnail_ready"):
        # thumbnail_ready of an unknown moment: its "created" may have been missed (a reconnect).
        return FeedState.refetch_moment(moment_id, not known)
    return None


listen_to_live((MomentChangedMessage,), FeedState, _apply_live)
refresh_on_couple_change(routes.MOMENTS, FeedState.refresh)


# ---------------------------------------------------------------- view


def _filter_button(label: str, value: str) -> rx.Component:
    current = FeedState.filter == value
    return rx.button(
        label,
        on_click=FeedState.show(value),
        variant=rx.cond(current, "solid", "soft"),
        color_scheme=rx.cond(current, "pink", "gray"),
        aria_pressed=rx.cond(current, "true", "false"),
        size="2",
    )


def _search_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                id=SEARCH_ID,
                name="q",
                type="search",
                placeholder="Search moments",
                aria_label="Search moments",
                max_length=SEARCH_MAX,
                auto_complete="off",
                enter_key_hint="search",
                size="3",
                flex="1",
                min_width="0",
            ),
            rx.button("Search", type="submit", size="3", variant="soft"),
            spacing="2",
            width="100%",
        ),
        on_submit=FeedState.search,
        reset_on_submit=False,
        role="search",
        aria_label="Moments",
        width="100%",
    )


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.button(
                rx.link(rx.icon("plus", size=16), "New moment", href=routes.MOMENT_NEW, underline="none"),
                as_child=True,
                size="3",
            ),
            icon_link("tags", "Tags", routes.MOMENT_TAGS),
            gap="1rem",
            align="center",
            wrap="wrap",
        ),
        _search_form(),
        spacing="3",
        width="100%",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        _filter_button("All", "all"),
        _filter_button("Mine", "mine"),
        _filter_button("My partner's", "partner"),
        role="group",
        aria_label="Show",
        spacing="2",
        wrap="wrap",
    )


def _empty() -> rx.Component:
    new_moment = link_button("Share a moment", routes.MOMENT_NEW)
    return rx.match(
        FeedState.filter,
        (
            "mine",
            empty_state(
                "video", "You haven't shared a moment yet", "Record a video, take a photo or choose one.", new_moment
            ),
        ),
        (
            "partner",
            empty_state(
                "video", "Nothing from your partner yet", "When your partner shares a moment, it shows up here."
            ),
        ),
        empty_state(
            "clapperboard",
            "No moments yet — share the first one",
            "Record a video, take a photo or choose one, and your partner sees it here.",
            new_moment,
        ),
    )


def _feed() -> rx.Component:
    return rx.vstack(
        _filters(),
        rx.heading(FeedState.list_title, as_="h2", size="4"),
        rx.cond(
            FeedState.cards.length() > 0,
            rx.vstack(
                moments_by_day(FeedState.days, "Moments"),
                load_more(FeedState.has_more, FeedState.loading_more, FeedState.load_more, "That's every moment."),
                spacing="4",
                width="100%",
            ),
            _empty(),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


def _search_results() -> rx.Component:
    back = rx.button(
        rx.icon("arrow-left", size=16), "Show all moments", on_click=FeedState.clear_search, variant="soft", size="2"
    )
    return rx.vstack(
        rx.flex(
            rx.heading("Results for “", FeedState.query, "”", as_="h2", size="4", overflow_wrap="anywhere"),
            back,
            justify="between",
            align="center",
            gap="0.75rem",
            wrap="wrap",
            width="100%",
        ),
        form_error(FeedState.search_error),
        rx.cond(
            FeedState.searching,
            loading("Searching…"),
            rx.cond(
                FeedState.results.length() > 0,
                moment_grid(FeedState.results, "Search results"),
                rx.cond(
                    FeedState.search_error == "",
                    empty_state(
                        "search-x",
                        "No moments match “" + FeedState.query + "”",
                        "Try other words from a title, a description or a tag.",
                    ),
                ),
            ),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


def _list() -> rx.Component:
    """The feed (or the search's results) below the toolbar: "Loading…" until the first page is in."""
    ready = FeedState.loaded & (FeedState.loaded_for == SessionState.context_key)
    return rx.cond(
        FeedState.in_search,
        _search_results(),
        rx.cond(
            ready,
            _feed(),
            rx.cond(
                FeedState.error != "",
                rx.button("Try again", on_click=FeedState.reload, variant="soft"),
                loading("Loading moments…"),
            ),
        ),
    )


@page(routes.MOMENTS, "Moments", on_load=[FeedState.load], wide=True)
def feed() -> rx.Component:
    # The toolbar (and its search box) is there at once; until the feed has answered, whether
    # the person has a partner is what their session says.
    not_paired = rx.cond(FeedState.loaded, FeedState.not_paired, ~SessionState.is_paired)
    return rx.vstack(
        form_error(FeedState.error),
        rx.cond(
            not_paired,
            not_paired_state("Pair with your partner to share videos and photos with each other."),
            rx.vstack(_toolbar(), _list(), spacing="4", width="100%", align="stretch"),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
