"""Notifications: newest first, all or unread, endless scrolling; open one, mark some or all read.

The list pages with the API's opaque ``next`` token: the "Load more" button at the bottom
fetches the next page, and ``assets/lumi-autoload.js`` presses it for the person when it
scrolls into view. A notification arriving live (see ``lumi_app/state/realtime.py``) is
put on top while the page is open.
"""

from __future__ import annotations

import contextlib
from typing import Any

import reflex as rx

from backend.contracts import MarkNotificationsRead, NotificationMessage, NotificationsReadMessage
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import busy_button, empty_state, form_error, form_notice
from lumi_app.components.shell import page
from lumi_app.state.page_data import ApiUnderLock, begin_load, load_next_page, open_page, run_fetch
from lumi_app.state.realtime import RealtimeState, listen_to_notifications, set_unread_count, shows_notifications
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect
from lumi_app.state.views import NOTIFICATION_ICONS, NotificationView

PAGE_SIZE = 20
AUTOLOAD_ATTRIBUTE = "data-lumi-autoload"


class NotificationsState(rx.State):
    filter: str = "all"  # all | unread
    items: list[NotificationView] = []
    loaded: bool = False
    loaded_for: str = ""  # SessionState.context_key when loaded
    has_more: bool = False
    loading_more: bool = False
    error: str = ""
    notice: str = ""
    selected: list[str] = []
    marking: bool = False

    _next: str = ""

    @rx.var(cache=True)
    def selected_count(self) -> int:
        return len(self.selected)

    @rx.var(cache=True)
    def showing_unread(self) -> bool:
        return self.filter == "unread"

    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> Any:
        filter, next_token = self.filter, (self._next if more else None)
        return await api.call(
            lambda api, token: api.notifications(token, filter=filter, next=next_token, limit=PAGE_SIZE)  # type: ignore[arg-type]
        )

    async def _show(self, result: Any, *, more: bool = False) -> None:
        views = [NotificationView.of(n, routes.in_app_link(n.link)) for n in result.items]
        if more:
            known = {item.notification_id for item in self.items}
            self.items = self.items + [v for v in views if v.notification_id not in known]
        else:
            self.items = views
            # What the person ticked stays ticked (a quiet refresh after a reconnect).
            shown = {view.notification_id for view in views}
            self.selected = [i for i in self.selected if i in shown]
        self._next = result.next or ""
        self.has_more = bool(result.next)
        await set_unread_count(self, result.unread_count)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self.selected = []

    @rx.event
    async def load(self):
        return await open_page(self, NotificationsState.fetch, reset=self._reset, clear=("notice",))

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    def show(self, choice: str):
        """The All / Unread filter."""
        choice = "unread" if choice == "unread" else "all"
        if choice == self.filter and self.loaded:
            return None
        self.filter = choice
        self.error = self.notice = ""
        return begin_load(self, NotificationsState.fetch)

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    @rx.event
    def toggle(self, notification_id: str, checked: bool):
        if checked and notification_id not in self.selected:
            self.selected = [*self.selected, notification_id]
        elif not checked:
            self.selected = [i for i in self.selected if i != notification_id]

    @rx.event
    async def opened(self, notification_id: str):
        """Its link was followed (the browser navigates on its own): mark it read."""
        item = next((i for i in self.items if i.notification_id == notification_id), None)
        if item is None or item.read:
            return
        with contextlib.suppress(SessionEnded, ApiError):  # it stays unread; nothing to act on
            await self._mark(MarkNotificationsRead(notification_ids=[notification_id]), {notification_id})

    @rx.event
    async def mark_selected_read(self):
        if self.marking or not self.selected:
            return
        ids = list(self.selected)
        async for update in self._mark_with_feedback(MarkNotificationsRead(notification_ids=ids), set(ids)):
            yield update

    @rx.event
    async def mark_all_read(self):
        if self.marking:
            return
        async for update in self._mark_with_feedback(MarkNotificationsRead(all=True), None):
            yield update

    async def _mark_with_feedback(self, request: MarkNotificationsRead, ids: set[str] | None):
        self.marking = True
        self.error = self.notice = ""
        yield
        try:
            await self._mark(request, ids)
            self.notice = "Marked as read."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.error = failure.message
        finally:
            self.marking = False

    async def _mark(self, request: MarkNotificationsRead, ids: set[str] | None) -> None:
        """Mark ``ids`` (None: all) read at the API and here."""
        result = await api_call(self, lambda api, token: api.mark_notifications_read(token, request))
        await set_unread_count(self, result.unread_count)
        self._show_read(ids)
        self.selected = [i for i in self.selected if ids is not None and i not in ids]

    def _show_read(self, ids: set[str] | None) -> None:
        if self.filter == "unread":
            self.items = [i for i in self.items if ids is not None and i.notification_id not in ids]
            return
        for item in self.items:
            if ids is None or item.notification_id in ids:
                item.read = True
        self.items = list(self.items)


async def _apply_live(state: Any, message: Any) -> None:
    """Keep an open list current with what arrives over MQTT (under the tab's state lock)."""
    if not state.loaded:
        return
    if isinstance(message, NotificationMessage):
        notification = message.notification
        if any(item.notification_id == notification.notification_id for item in state.items):
            return
        state.items = [NotificationView.of(notification, routes.in_app_link(notification.link)), *state.items]
    elif isinstance(message, NotificationsReadMessage) and message.unread_count == 0:
        state._show_read(None)


listen_to_notifications(NotificationsState, _apply_live)
shows_notifications(routes.NOTIFICATIONS)  # every kind: the list shows it live


# ---------------------------------------------------------------- view


def _filter_button(label: str, value: str) -> rx.Component:
    current = NotificationsState.filter == value
    return rx.button(
        label,
        on_click=NotificationsState.show(value),
        variant=rx.cond(current, "solid", "soft"),
        color_scheme=rx.cond(current, "pink", "gray"),
        aria_pressed=rx.cond(current, "true", "false"),
        size="2",
    )


def _action_button(label: str, handler: Any, *, disabled: rx.Var[bool]) -> rx.Component:
    busy = NotificationsState.marking
    return rx.button(
        rx.spinner(loading=busy, size="1"),
        label,
        on_click=handler,
        disabled=busy | disabled,
        aria_busy=rx.cond(busy, "true", "false"),
        variant="soft",
        size="2",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.hstack(
            _filter_button("All", "all"),
            _filter_button("Unread", "unread"),
            role="group",
            aria_label="Show",
            spacing="2",
        ),
        rx.spacer(),
        rx.hstack(
            _action_button(
                "Mark as read",
                NotificationsState.mark_selected_read,
                disabled=NotificationsState.selected_count == 0,
            ),
            _action_button(
                "Mark all as read",
                NotificationsState.mark_all_read,
                disabled=RealtimeState.unread_count == 0,
            ),
            spacing="2",
            wrap="wrap",
        ),
        gap="0.75rem",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _category_icon(category: rx.Var[str]) -> rx.Component:
    """Static icons per kind (a dynamic icon name would load lazily, row by row)."""

    def icon(name: str) -> rx.Component:
        return rx.icon(name, size=18, color=rx.color("accent", 10), flex_shrink="0", margin_top="0.15rem")

    return rx.match(
        category,
        *[(kind, icon(name)) for kind, name in NOTIFICATION_ICONS.items()],
        icon("bell"),
    )


def _item(item: NotificationView) -> rx.Component:
    checkbox_id = "notification-select-" + item.notification_id
    return rx.el.li(
        rx.hstack(
            rx.checkbox(
                id=checkbox_id,
                checked=NotificationsState.selected.contains(item.notification_id),
                on_change=lambda checked: NotificationsState.toggle(item.notification_id, checked),
                aria_label="Select " + item.title,
                size="2",
                margin_top="0.2rem",
            ),
            _category_icon(item.category),
            rx.vstack(
                rx.link(
                    item.title,
                    href=item.link,
                    on_click=NotificationsState.opened(item.notification_id),
                    weight=rx.cond(item.read, "regular", "bold"),
                    color=rx.color("gray", 12),
                    size="3",
                ),
                rx.cond(item.body != "", rx.text(item.body, size="2", color_scheme="gray")),
                rx.el.time(
                    item.when, date_time=item.created_at, font_size="var(--font-size-1)", color=rx.color("gray", 10)
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                ~item.read,
                rx.hstack(
                    rx.box(width="8px", height="8px", border_radius="50%", background=rx.color("accent", 9)),
                    rx.text("Unread", size="1", color_scheme="pink"),
                    align="center",
                    spacing="1",
                    flex_shrink="0",
                ),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        # Keyed by id: a live notification is put on top, and every row keeps its own icon.
        key=item.notification_id,
        list_style="none",
        padding="0.85rem 1rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.cond(item.read, "transparent", rx.color("accent", 2)),
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.el.ul(
            rx.foreach(NotificationsState.items, _item),
            aria_label="Notifications",
            padding="0",
            margin="0",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-4)",
            overflow="hidden",
            width="100%",
        ),
        rx.cond(
            NotificationsState.has_more,
            rx.center(
                busy_button(
                    "Load more",
                    NotificationsState.loading_more,
                    on_click=NotificationsState.load_more,
                    variant="soft",
                    custom_attrs={AUTOLOAD_ATTRIBUTE: "true"},
                ),
                width="100%",
            ),
            rx.text("That's all your notifications.", size="1", color_scheme="gray", text_align="center", width="100%"),
        ),
        spacing="3",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.cond(
        NotificationsState.showing_unread,
        empty_state("check-check", "You're all caught up", "No unread notifications."),
        empty_state(
            "bell",
            "No notifications yet",
            "When your partner thinks of you or shares something, you'll find it here.",
        ),
    )


@page(routes.NOTIFICATIONS, "Notifications", on_load=[NotificationsState.load])
def notifications() -> rx.Component:
    return rx.vstack(
        _toolbar(),
        form_error(NotificationsState.error),
        form_notice(NotificationsState.notice),
        rx.cond(
            NotificationsState.loaded & (NotificationsState.loaded_for == SessionState.context_key),
            rx.cond(NotificationsState.items.length() > 0, _list(), _empty()),
            rx.hstack(rx.spinner(), rx.text("Loading…", color_scheme="gray"), role="status"),
        ),
        rx.link("Notification settings", href=routes.SETTINGS_NOTIFICATIONS, size="2"),
        spacing="4",
        width="100%",
        align="stretch",
    )
