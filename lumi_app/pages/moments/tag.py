"""One tag's moments (``/moments/tag?slug=…``): the feed's cards under day headings, newest first,
with endless scroll.

The slug travels in the query string (static hosting has one file per page). Live messages
keep the grid current: a moment that gains the tag appears, one that loses it or is
deleted goes, and a preview replaces its placeholder once made.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import MomentChangedMessage, is_tag_slug
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import empty_state, form_error, link_button
from lumi_app.components.moments import (
    PAGE_SIZE,
    MomentCard,
    MomentDay,
    by_day,
    icon_link,
    load_more,
    loading,
    moments_by_day,
    not_paired_state,
    replace_card,
    with_page,
    without_card,
)
from lumi_app.components.shell import page
from lumi_app.state.couple import is_not_paired
from lumi_app.state.page_data import ApiUnderLock, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.visit import viewer_zone


class TagState(rx.State):
    slug: str = ""
    name: str = ""
    cards: list[MomentCard] = []
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    not_paired: bool = False
    unknown: bool = False  # no such tag (a bad link, or it was deleted)
    has_more: bool = False
    loading_more: bool = False
    error: str = ""

    _next: str = ""

    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def days(self) -> list[MomentDay]:
        return by_day(self.cards)

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        """A page of the tag's moments, or "not_paired" / "unknown" (no such tag)."""
        slug, next_token = self.slug, (self._next if more else None)
        if not is_tag_slug(slug):
            return "unknown"

        async def tagged(api: Any, token: str) -> Any:
            try:
                return await api.tagged_moments(token, slug, next=next_token, limit=PAGE_SIZE)
            except ApiError as failure:
                if is_not_paired(failure):
                    return "not_paired"
                if failure.status == 404:
                    return "unknown"
                raise

        return await api.call(tagged)

    async def _show(self, result: Any, *, more: bool = False) -> None:
        self.not_paired = result == "not_paired"
        self.unknown = result == "unknown"
        if isinstance(result, str):
            self.cards, self._next, self.has_more = [], "", False  # the page says why there is nothing
            return
        viewer_id, zone = (await self.get_state(SessionState)).user_id, await viewer_zone(self)
        cards = [MomentCard.of(moment, viewer_id, zone) for moment in result.items]
        self.cards = with_page(self.cards, cards, more=more)
        self._next = result.next or ""
        self.has_more = bool(result.next)
        self.name = next((t.name for moment in result.items for t in moment.tags if t.slug == self.slug), self.name)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self.slug = str(self.router.url.query_parameters.get("slug") or "").strip().lower()
        self.name = self.slug
        self.cards = []
        self._next = ""
        self.has_more = False

    @rx.event
    async def load(self):
        return await open_page(self, TagState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    @rx.event
    async def refetch_moment(self, moment_id: str):
        """A moment changed (a live message): show it if it carries the tag, drop it if it no longer does."""
        if not self.loaded or self.not_paired or self.unknown:
            return
        try:
            moment = await api_call(self, lambda api, token: api.moment(token, moment_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                self.cards = without_card(self.cards, moment_id)
            return
        card = MomentCard.of(moment, (await self.get_state(SessionState)).user_id, await viewer_zone(self))
        if self.slug not in card.tag_slugs:
            self.cards = without_card(self.cards, moment_id)
            return
        self.cards, found = replace_card(self.cards, card)
        if found:
            return
        # Newest first: its place among what is loaded (an older one comes with a later page).
        position = next((i for i, c in enumerate(self.cards) if c.created_at < card.created_at), None)
        if position is not None:
            self.cards = [*self.cards[:position], card, *self.cards[position:]]
        elif not self.has_more:
            self.cards = [*self.cards, card]


async def _apply_live(state: Any, message: MomentChangedMessage) -> Any:
    if not state.loaded or state.not_paired or state.unknown or not await tab_shows(state, routes.MOMENT_TAG):
        return None
    if message.change == "deleted":
        state.cards = without_card(state.cards, message.moment_id)
        return None
    return TagState.refetch_moment(message.moment_id)


listen_to_live((MomentChangedMessage,), TagState, _apply_live)


# ---------------------------------------------------------------- view


def _content() -> rx.Component:
    state = TagState
    return rx.cond(
        state.not_paired,
        not_paired_state("Pair with your partner to share and tag moments."),
        rx.vstack(
            rx.heading("#", state.name, as_="h2", size="5", overflow_wrap="anywhere"),
            rx.cond(
                state.cards.length() > 0,
                rx.vstack(
                    moments_by_day(state.days, "Moments tagged " + state.name),
                    load_more(
                        state.has_more, state.loading_more, state.load_more, "That's every moment with this tag."
                    ),
                    spacing="4",
                    width="100%",
                ),
                empty_state(
                    "tag",
                    rx.cond(state.unknown, "There's no such tag", "No moments carry this tag"),
                    "It may have been deleted, or taken off every moment.",
                    link_button("See all tags", routes.MOMENT_TAGS),
                ),
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
    )


@page(routes.MOMENT_TAG, "Tag", on_load=[TagState.load], wide=True)
def tag() -> rx.Component:
    state = TagState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        rx.flex(
            icon_link("arrow-left", "Back to moments", routes.MOMENTS),
            icon_link("tags", "All tags", routes.MOMENT_TAGS),
            gap="1rem",
            wrap="wrap",
        ),
        form_error(state.error),
        rx.cond(ready, _content(), rx.cond(state.error == "", loading("Loading moments…"))),
        spacing="4",
        width="100%",
        align="stretch",
    )
