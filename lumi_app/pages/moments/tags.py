"""The couple's tags, each with how many moments carry it; deleting one takes it off every moment.

The counts are kept by the API's stream handlers, so the list is fetched again (quietly)
when a live message says a moment changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from backend.contracts import CoupleTag, MomentChangedMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import busy_button, empty_state, form_error, form_notice, link_button
from lumi_app.components.moments import icon_link, loading, not_paired_state
from lumi_app.components.shell import page
from lumi_app.state.couple import unless_not_paired
from lumi_app.state.page_data import begin_refresh, open_page, run_fetch
from lumi_app.state.realtime import listen_to_live, refresh_on_couple_change, tab_shows
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect


def moments_label(count: int) -> str:
    return "1 moment" if count == 1 else f"{count} moments"


@dataclasses.dataclass
class TagView:
    slug: str = ""
    name: str = ""
    count: str = ""  # "3 moments"
    url: str = ""

    @classmethod
    def of(cls, tag: CoupleTag) -> TagView:
        return cls(slug=tag.slug, name=tag.name, count=moments_label(tag.moment_count), url=routes.tag_url(tag.slug))


class TagsState(rx.State):
    tags: list[TagView] = []
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    not_paired: bool = False
    error: str = ""
    notice: str = ""

    confirm_open: bool = False
    confirm_slug: str = ""
    confirm_name: str = ""
    confirm_count: str = ""
    deleting: bool = False
    delete_error: str = ""

    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock) -> Any:
        return await api.call(lambda api, token: unless_not_paired(api.tags(token)))

    async def _show(self, result: Any) -> None:
        self.not_paired = result is None
        self.tags = [] if result is None else [TagView.of(tag) for tag in result.items]

    def _reset(self) -> None:
        self.confirm_open = False

    @rx.event
    async def load(self):
        return await open_page(self, TagsState.fetch, reset=self._reset, clear=("notice",))

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def refresh(self):
        return begin_refresh(self, TagsState.fetch)

    @rx.event
    def ask_delete(self, slug: str):
        tag = next((t for t in self.tags if t.slug == slug), None)
        if tag is None:
            return
        self.confirm_slug, self.confirm_name, self.confirm_count = tag.slug, tag.name, tag.count
        self.delete_error = ""
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, open: bool):
        if not self.deleting:
            self.confirm_open = open

    @rx.event
    async def delete(self):
        if self.deleting or not self.confirm_slug:
            return
        slug, name = self.confirm_slug, self.confirm_name
        self.deleting = True
        self.delete_error = self.notice = self.error = ""
        yield
        try:
            await api_call(self, lambda api, token: api.delete_tag(token, slug))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:  # already gone is what was asked for
                self.delete_error = failure.message
                return
        finally:
            self.deleting = False
        self.tags = [t for t in self.tags if t.slug != slug]
        self.confirm_open = False
        self.notice = f"#{name} was removed from every moment."


async def _apply_live(state: Any, message: MomentChangedMessage) -> Any:
    """A moment changed: its tags (and so the counts) may have; fetch the list again."""
    if state.loaded and not state.not_paired and not state.deleting and await tab_shows(state, routes.MOMENT_TAGS):
        return TagsState.refresh
    return None


listen_to_live((MomentChangedMessage,), TagsState, _apply_live)
refresh_on_couple_change(routes.MOMENT_TAGS, TagsState.refresh)


# ---------------------------------------------------------------- view


def _tag_row(tag: TagView) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.link("#", tag.name, href=tag.url, size="3", weight="medium", overflow_wrap="anywhere"),
                rx.text(tag.count, size="1", color_scheme="gray"),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.icon_button(
                rx.icon("trash-2", size=16),
                on_click=TagsState.ask_delete(tag.slug),
                aria_label="Delete tag " + tag.name,
                title="Delete tag",
                variant="ghost",
                color_scheme="red",
                size="2",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        key=tag.slug,
        list_style="none",
        padding="0.75rem 1rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _confirm_dialog() -> rx.Component:
    state = TagsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete the tag #", state.confirm_name, "?"),
            rx.alert_dialog.description(
                rx.text(
                    "It is removed from every moment that has it (",
                    state.confirm_count,
                    "). The moments themselves stay.",
                ),
                size="2",
            ),
            form_error(state.delete_error),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                busy_button("Delete tag", state.deleting, on_click=state.delete, color_scheme="red"),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=state.confirm_open,
        on_open_change=state.set_confirm_open,
    )


def _list() -> rx.Component:
    return rx.cond(
        TagsState.tags.length() > 0,
        rx.el.ul(
            rx.foreach(TagsState.tags, _tag_row),
            aria_label="Tags",
            padding="0",
            margin="0",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-4)",
            overflow="hidden",
            width="100%",
        ),
        empty_state(
            "tags",
            "No tags yet",
            "Add tags when you share a moment (or edit one), and find moments by them here.",
            link_button("Share a moment", routes.MOMENT_NEW),
        ),
    )


@page(routes.MOMENT_TAGS, "Tags", on_load=[TagsState.load])
def tags() -> rx.Component:
    state = TagsState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        icon_link("arrow-left", "Back to moments", routes.MOMENTS),
        form_error(state.error),
        form_notice(state.notice),
        rx.cond(
            ready,
            rx.cond(state.not_paired, not_paired_state("Pair with your partner to share and tag moments."), _list()),
            rx.cond(state.error == "", loading("Loading tags…")),
        ),
        _confirm_dialog(),
        spacing="4",
        width="100%",
        align="stretch",
    )
