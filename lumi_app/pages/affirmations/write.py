"""Your affirmations for your partner: write them, change them, delete them, see how often each
was sent and whether your partner loved it; and send one right now.

Each day, at the time your partner chose, Lumi sends them one of yours: the ones sent less
often come up more. Up to 500, each up to 280 characters (counted as this page counts them:
an emoji is one).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.contracts import (
    AFFIRMATION_TEXT_MAX,
    AFFIRMATIONS_MAX,
    AffirmationCreate,
    AffirmationSendNow,
    AffirmationUpdate,
)
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.affirmations import AffirmationView, affirmation_tabs
from lumi_app.components.forms import busy_button, empty_state, form_error, form_notice, section
from lumi_app.components.moments import load_more, loading, not_paired_state
from lumi_app.components.shell import page
from lumi_app.state.couple import is_not_paired, unless_not_paired
from lumi_app.state.page_data import ApiUnderLock, load_next_page, open_page, run_fetch
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect

PAGE_SIZE = 30
NEW_ID = "affirmation-new"
NOW_ID = "affirmation-now"


def count_label(text: str) -> str:
    """What the counter beside a text box says: code points, as the API counts them."""
    return f"{len(text)}/{AFFIRMATION_TEXT_MAX}"


def clip(text: str) -> str:
    return text[:AFFIRMATION_TEXT_MAX]


class WriteAffirmationsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    not_paired: bool = False
    partner_name: str = ""
    items: list[AffirmationView] = []
    count: int = 0
    has_more: bool = False
    loading_more: bool = False
    notice: str = ""

    draft: str = ""
    adding: bool = False
    draft_error: str = ""

    editing_id: str = ""
    edit_text: str = ""
    edit_error: str = ""
    edit_saving: bool = False

    delete_id: str = ""
    deleting: bool = False

    now_text: str = ""
    now_save: bool = False
    now_sending: bool = False
    now_error: str = ""
    now_notice: str = ""

    _next: str = ""
    _visit: str = ""
    _generation: int = 0

    @rx.var(cache=True)
    def draft_count(self) -> str:
        return count_label(self.draft)

    @rx.var(cache=True)
    def edit_count(self) -> str:
        return count_label(self.edit_text)

    @rx.var(cache=True)
    def now_count(self) -> str:
        return count_label(self.now_text)

    @rx.var(cache=True)
    def full(self) -> bool:
        return self.count >= AFFIRMATIONS_MAX

    @rx.var(cache=True)
    def partner(self) -> str:
        return self.partner_name or "your partner"

    # ------------------------------------------------------------ loading

    async def _get(self, api: ApiOutsideLock | ApiUnderLock, *, more: bool = False) -> list[Any]:
        next_token = self._next if more else None

        def mine(api: Any, token: str) -> Any:
            return unless_not_paired(api.affirmations(token, next=next_token, limit=PAGE_SIZE))

        if more:
            return [None, (await api.gather(mine))[0]]
        return await api.gather(lambda api, token: api.current_relationship(token), mine)

    async def _show(self, data: list[Any], *, more: bool = False) -> None:
        current, page_of = data
        if page_of is None:
            self.not_paired, self.items, self.has_more = True, [], False
            return
        self.not_paired = False
        if current is not None and current.relationship is not None:
            self.partner_name = current.relationship.partner.display_name
        views = [AffirmationView.of(item) for item in page_of.items]
        if more:
            known = {item.affirmation_id for item in self.items}
            self.items = [*self.items, *(v for v in views if v.affirmation_id not in known)]
        else:
            self.items = views
        self.count = page_of.count
        self._next = page_of.next or ""
        self.has_more = bool(page_of.next)

    async def _show_more(self) -> None:
        await self._show(await self._get(ApiUnderLock(self), more=True), more=True)

    def _reset(self) -> None:
        self.draft = self.draft_error = self.notice = ""
        self.editing_id = self.edit_text = self.edit_error = self.delete_id = ""
        self.now_text = self.now_error = self.now_notice = ""
        self.now_save = False

    @rx.event
    async def load(self):
        return await open_page(self, WriteAffirmationsState.fetch, reset=self._reset)

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    async def load_more(self):
        async for update in load_next_page(self, self._show_more):
            yield update

    # ------------------------------------------------------------ writing

    @rx.event
    def set_draft(self, value: str):
        self.draft, self.draft_error = clip(value), ""

    @rx.event
    async def add(self, _form: dict[str, Any] | None = None):
        if self.adding:
            return
        text = self.draft.strip()
        if not text:
            self.draft_error = "Write a few words first."
            return
        self.adding, self.draft_error, self.notice = True, "", ""
        yield
        try:
            saved = await api_call(self, lambda api, token: api.add_affirmation(token, AffirmationCreate(text=text)))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            self._refused(failure, "draft_error")
            return
        finally:
            self.adding = False
        self.items = [AffirmationView.of(saved), *self.items]
        self.count += 1
        self.draft = ""
        self.notice = f"Saved. It goes into what {self.partner} may receive."

    def _refused(self, failure: ApiError, field: str) -> None:
        if is_not_paired(failure):
            self.not_paired = True
            return
        setattr(self, field, failure.fields.get("text") or failure.message)

    @rx.event
    def start_edit(self, affirmation_id: str):
        view = next((v for v in self.items if v.affirmation_id == affirmation_id), None)
        if view is not None:
            self.editing_id, self.edit_text, self.edit_error = affirmation_id, view.text, ""

    @rx.event
    def cancel_edit(self):
        self.editing_id = self.edit_text = self.edit_error = ""

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text, self.edit_error = clip(value), ""

    @rx.event
    async def save_edit(self, _form: dict[str, Any] | None = None):
        if self.edit_saving or not self.editing_id:
            return
        affirmation_id, text = self.editing_id, self.edit_text.strip()
        if not text:
            self.edit_error = "Write a few words, or delete it."
            return
        self.edit_saving = True
        yield
        try:
            request = AffirmationUpdate(text=text)
            saved = await api_call(self, lambda api, token: api.update_affirmation(token, affirmation_id, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 404:
                self.items = [v for v in self.items if v.affirmation_id != affirmation_id]
                self.editing_id = ""
                self.notice = "That one was deleted meanwhile."
            else:
                self._refused(failure, "edit_error")
            return
        finally:
            self.edit_saving = False
        self.items = [AffirmationView.of(saved) if v.affirmation_id == affirmation_id else v for v in self.items]
        self.editing_id = self.edit_text = ""
        self.notice = "Changed. What it sent before stays as it was."

    @rx.event
    def ask_delete(self, affirmation_id: str):
        self.delete_id = affirmation_id

    @rx.event
    def set_delete_open(self, open: bool):
        if not open and not self.deleting:
            self.delete_id = ""

    @rx.event
    async def delete(self):
        if self.deleting or not self.delete_id:
            return
        affirmation_id = self.delete_id
        self.deleting = True
        yield
        try:
            await api_call(self, lambda api, token: api.delete_affirmation(token, affirmation_id))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status != 404:  # already gone is what was asked for
                self.error = failure.message
                return
        finally:
            self.deleting = False
        self.items = [v for v in self.items if v.affirmation_id != affirmation_id]
        self.count = max(0, self.count - 1)
        self.delete_id = ""
        self.notice = "Deleted. What it sent before stays in their history."

    # ------------------------------------------------------------ send now

    @rx.event
    def set_now_text(self, value: str):
        self.now_text, self.now_error, self.now_notice = clip(value), "", ""

    @rx.event
    def set_now_save(self, value: bool):
        self.now_save = bool(value)

    @rx.event
    async def send_now(self, _form: dict[str, Any] | None = None):
        if self.now_sending:
            return
        text = self.now_text.strip()
        if not text:
            self.now_error = "Write a few words first."
            return
        self.now_sending, self.now_error, self.now_notice = True, "", ""
        yield
        try:
            request = AffirmationSendNow(text=text, save=self.now_save)
            sent = await api_call(self, lambda api, token: api.send_affirmation_now(token, request))
        except SessionEnded:
            yield await login_redirect(self)
            return
        except ApiError as failure:
            if failure.status == 429:
                self.now_error = "You've sent a few already. Try again in a little while."
            else:
                self._refused(failure, "now_error")
            return
        finally:
            self.now_sending = False
        if sent.saved is not None:
            self.items = [AffirmationView.of(sent.saved), *self.items]
            self.count += 1
        self.now_text = ""
        self.now_notice = f"Sent. {self.partner_name or 'Your partner'} has it now."


# ---------------------------------------------------------------- view


def _text_box(input_id: str, label: str, value: rx.Var[str], on_change: Any, count: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.label(label, html_for=input_id, font_weight="500"),
            rx.spacer(),
            rx.text(count, id=f"{input_id}-count", size="1", color_scheme="gray", aria_live="polite"),
            width="100%",
            align="center",
        ),
        rx.text_area(
            id=input_id,
            value=value,
            on_change=on_change,
            rows="3",
            size="3",
            width="100%",
            aria_describedby=f"{input_id}-count",
        ),
        spacing="1",
        width="100%",
    )


def _add_form() -> rx.Component:
    state = WriteAffirmationsState
    return section(
        "Write one",
        rx.el.form(
            rx.vstack(
                _text_box(NEW_ID, "Kind words for " + state.partner, state.draft, state.set_draft, state.draft_count),
                form_error(state.draft_error),
                rx.hstack(
                    busy_button("Save", state.adding, type="submit", disabled=state.full),
                    rx.text(state.count, " of ", AFFIRMATIONS_MAX, size="2", color_scheme="gray"),
                    align="center",
                    spacing="3",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=state.add,
            aria_label="Write an affirmation",
        ),
    )


def _send_now_form() -> rx.Component:
    state = WriteAffirmationsState
    return section(
        "Send one now",
        rx.el.form(
            rx.vstack(
                _text_box(
                    NOW_ID, "Right now, to " + state.partner, state.now_text, state.set_now_text, state.now_count
                ),
                rx.el.label(
                    rx.hstack(
                        rx.checkbox(checked=state.now_save, on_change=state.set_now_save),
                        rx.text("Also keep it in my list", size="2"),
                        align="center",
                        spacing="2",
                    )
                ),
                form_error(state.now_error),
                form_notice(state.now_notice),
                busy_button("Send now", state.now_sending, type="submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=state.send_now,
            aria_label="Send an affirmation now",
        ),
    )


def _item(view: Any) -> rx.Component:
    state = WriteAffirmationsState
    editing = state.editing_id == view.affirmation_id
    return rx.el.li(
        rx.cond(
            editing,
            rx.el.form(
                rx.vstack(
                    _text_box("affirmation-edit", "Change it", state.edit_text, state.set_edit_text, state.edit_count),
                    form_error(state.edit_error),
                    rx.hstack(
                        busy_button("Save", state.edit_saving, type="submit"),
                        rx.button(
                            "Cancel", type="button", variant="soft", color_scheme="gray", on_click=state.cancel_edit
                        ),
                        spacing="2",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=state.save_edit,
                aria_label="Change the affirmation",
            ),
            rx.vstack(
                rx.text(view.text, size="3", white_space="pre-wrap", overflow_wrap="anywhere"),
                rx.hstack(
                    rx.text(view.sent, size="2", color_scheme="gray"),
                    rx.cond(
                        view.hearts > 0,
                        rx.badge(rx.icon("heart", size=12), view.hearts_label, color_scheme="pink", variant="soft"),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.button(
                        "Edit",
                        variant="soft",
                        size="1",
                        on_click=state.start_edit(view.affirmation_id),
                        aria_label="Edit: " + view.text,
                    ),
                    rx.button(
                        "Delete",
                        variant="soft",
                        color_scheme="red",
                        size="1",
                        on_click=state.ask_delete(view.affirmation_id),
                        aria_label="Delete: " + view.text,
                    ),
                    spacing="2",
                ),
                spacing="2",
                width="100%",
            ),
        ),
        list_style="none",
        padding="0.75rem 0",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _list() -> rx.Component:
    state = WriteAffirmationsState
    return section(
        "Yours for " + state.partner,
        form_notice(state.notice),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(
                rx.el.ul(rx.foreach(state.items, _item), aria_label="Your affirmations", padding="0", margin="0"),
                load_more(state.has_more, state.loading_more, state.load_more, "That's all of them."),
                width="100%",
            ),
            empty_state(
                "sparkles",
                "No affirmations yet",
                "Write a few kind words. Each day, at the time your partner chose, Lumi sends them one of "
                "yours; the ones sent less often come up more. You'll see which ones they loved.",
            ),
        ),
    )


def _delete_dialog() -> rx.Component:
    state = WriteAffirmationsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this affirmation?"),
            rx.alert_dialog.description(
                "It won't be sent again. What it already sent stays in your partner's history."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                busy_button("Delete", state.deleting, color_scheme="red", on_click=state.delete),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=state.delete_id != "",
        on_open_change=state.set_delete_open,
    )


@page(routes.AFFIRMATIONS, "Affirmations", on_load=[WriteAffirmationsState.load])
def write() -> rx.Component:
    state = WriteAffirmationsState
    ready = state.loaded & (state.loaded_for == SessionState.context_key)
    return rx.vstack(
        affirmation_tabs(routes.AFFIRMATIONS),
        form_error(state.error),
        rx.cond(
            ready,
            rx.cond(
                state.not_paired,
                not_paired_state("Pair with your partner, and you can send each other kind words every day."),
                rx.vstack(_add_form(), _list(), _send_now_form(), _delete_dialog(), spacing="4", width="100%"),
            ),
            rx.cond(
                state.error != "",
                rx.button("Try again", on_click=state.load, variant="soft"),
                loading("Loading your affirmations…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
