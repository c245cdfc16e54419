"""Notification settings: push on this device, and which kinds of notification push at all.

Push on this device lives in the browser (its service worker's push subscription); the
switch asks for the browser's permission only when the person turns it on. The browser
side is ``assets/lumi-pwa.js`` (``window.lumiPush``): ``permission(on)`` runs straight from
the switch so the prompt follows the click; once granted, the state shows it is busy and
has the browser subscribe (``toggle``), and the answer registers (``POST
/push/subscriptions``) or removes (``DELETE``) the subscription at the API.
Per-kind choices are saved at once with ``PUT /notifications/settings``.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from backend.contracts import NOTIFICATION_CATEGORIES, NotificationSettings, PushSubscriptionCreate
from lumi_app import routes
from lumi_app.api_client import ApiError
from lumi_app.components.forms import form_error, form_notice, section
from lumi_app.components.shell import page
from lumi_app.pages.settings.nav import settings_tabs
from lumi_app.state.page_data import open_page, run_fetch
from lumi_app.state.session import ApiOutsideLock, SessionEnded, SessionState, api_call, login_redirect

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("partner", "Partner activity", "When your partner thinks of you, pairs with you or changes what you share."),
    ("moments", "Moments", "New moments and messages in them."),
    ("affirmations", "Affirmations", "The affirmations your partner schedules for you."),
    ("music", "Music", "Songs your partner recommends and shared playlists."),
    ("reminders", "Reminders", "Your dates coming up: birthdays, anniversaries and plans."),
)
assert tuple(c for c, _, _ in CATEGORIES) == NOTIFICATION_CATEGORIES

PUSH_SWITCH_ID = "push-this-device"

PUSH_MESSAGES = {
    "unsupported": "This browser can't receive push notifications. On an iPhone, add Lumi to your Home Screen first.",
    "denied": "Notifications are blocked for Lumi in this browser. Allow them in the site settings, then try again.",
    "dismissed": "Push stays off: the browser's permission wasn't given.",
    "no_worker": "Lumi's offline helper isn't running in this browser yet. Reload the page and try again.",
    "failed": "This browser couldn't set up push notifications right now. Try again later.",
}


class NotificationSettingsState(rx.State):
    loaded: bool = False
    loaded_for: str = ""
    error: str = ""
    notice: str = ""
    categories: dict[str, bool] = {}
    saving: str = ""  # the category being saved

    # This device (the browser's push subscription).
    vapid_key: str = ""
    push_checked: bool = False
    push_supported: bool = True
    push_known: bool = False  # the browser answered
    push_busy: bool = False
    push_error: str = ""
    push_notice: str = ""

    _visit: str = ""
    _generation: int = 0

    async def _get(self, api: ApiOutsideLock) -> list[Any]:
        async def vapid_key(api: Any, token: str) -> tuple[str, str]:
            """This device's push needs the key; without it the categories still work."""
            try:
                return (await api.vapid_public_key(token)).public_key, ""
            except ApiError as failure:
                if failure.status == 401:
                    raise
                return "", failure.message

        return await api.gather(lambda api, token: api.notification_settings(token), vapid_key)

    async def _show(self, data: list[Any]) -> EventSpec:
        settings, (self.vapid_key, self.push_error) = data
        self.categories = {c: settings.push.get(c, True) for c in NOTIFICATION_CATEGORIES}  # type: ignore[call-overload]
        return rx.call_script(
            "window.lumiPush ? window.lumiPush.status() : {supported: false}",
            callback=NotificationSettingsState.device_status,
        )

    @rx.event
    async def load(self):
        return await open_page(self, NotificationSettingsState.fetch, clear=("notice", "push_error", "push_notice"))

    @rx.event(background=True)
    async def fetch(self, generation: int):
        async for update in run_fetch(self, generation, self._get, self._show, loaded_on_error=True):
            yield update

    @rx.event
    async def device_status(self, status: dict[str, Any]):
        """What the browser says about push on this device; a live subscription is registered again
        (idempotent at the API), so one the server dropped comes back."""
        self.push_known = True
        self.push_supported = bool(status.get("supported"))
        subscription = status.get("subscription")
        self.push_checked = bool(subscription) and status.get("permission") == "granted"
        if self.push_checked:
            # On failure the switch still says on; turning it off and on again retries.
            with contextlib.suppress(SessionEnded, ApiError, ValidationError):
                await self._register(subscription)

    @rx.event
    async def push_permission(self, result: dict[str, Any]):
        """The browser's answer to the switch: subscribe (or unsubscribe) next, showing progress."""
        self.push_error = self.push_notice = ""
        if not result.get("ok"):
            self.push_checked = False
            self.push_error = PUSH_MESSAGES.get(str(result.get("reason") or "failed"), PUSH_MESSAGES["failed"])
            return None
        self.push_busy = True
        on = result.get("action") == "enable"
        self.push_checked = on
        return rx.call_script(
            f"window.lumiPush.toggle({json.dumps(on)}, {json.dumps(self.vapid_key)})",
            callback=NotificationSettingsState.push_result,
        )

    @rx.event
    async def push_result(self, result: dict[str, Any]):
        """The browser turned push on or off for this device (lumiPush.toggle's answer)."""
        self.push_error = self.push_notice = ""
        if not result.get("ok"):
            self.push_busy = False
            self.push_checked = result.get("action") == "disable"
            reason = str(result.get("reason") or "failed")
            self.push_error = PUSH_MESSAGES.get(reason, PUSH_MESSAGES["failed"])
            return
        try:
            if result.get("action") == "enable":
                await self._register(result.get("subscription"))
                self.push_checked = True
                self.push_notice = "Push notifications are on for this device."
            else:
                endpoint = result.get("endpoint")
                if endpoint:
                    await api_call(self, lambda api, token: api.remove_push_subscription(token, str(endpoint)))
                self.push_checked = False
                self.push_notice = "Push notifications are off for this device."
        except SessionEnded:
            yield await login_redirect(self)
        except ValidationError:
            self.push_checked = False
            self.push_error = PUSH_MESSAGES["failed"]
        except ApiError as failure:
            self.push_error = failure.message
        finally:
            self.push_busy = False

    async def _register(self, subscription: Any) -> None:
        request = PushSubscriptionCreate.model_validate(subscription)
        await api_call(self, lambda api, token: api.add_push_subscription(token, request))

    @rx.event
    async def set_category(self, category: str, enabled: bool):
        if category not in NOTIFICATION_CATEGORIES or self.saving:
            return
        before = dict(self.categories)
        self.categories = {**self.categories, category: enabled}
        self.saving = category
        self.error = self.notice = ""
        yield
        try:
            request = NotificationSettings(push=self.categories)  # type: ignore[arg-type]
            saved = await api_call(self, lambda api, token: api.update_notification_settings(token, request))
            self.categories = {c: saved.push.get(c, True) for c in NOTIFICATION_CATEGORIES}  # type: ignore[call-overload]
            self.notice = "Saved."
        except SessionEnded:
            yield await login_redirect(self)
        except ApiError as failure:
            self.categories = before
            self.error = failure.message
        finally:
            self.saving = ""


def _switch_row(switch_id: str, label: str, text: str, control: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.el.label(label, html_for=switch_id, font_weight="500"),
            rx.text(text, id=f"{switch_id}-hint", size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        control,
        align="center",
        spacing="3",
        width="100%",
    )


def _push_section() -> rx.Component:
    state = NotificationSettingsState
    toggle = lambda checked: rx.call_script(  # noqa: E731 - the switch's handler, built once
        rx.Var.create("window.lumiPush.permission(") + checked.to_string() + ")",
        callback=NotificationSettingsState.push_permission,
    )
    return section(
        "This device",
        _switch_row(
            PUSH_SWITCH_ID,
            "Push notifications on this device",
            "While you're away from Lumi, this device shows what your partner does. "
            "Your browser asks for permission when you turn it on.",
            rx.switch(
                id=PUSH_SWITCH_ID,
                checked=state.push_checked,
                on_change=toggle,
                disabled=state.push_busy | ~state.push_supported | (state.vapid_key == "") | ~state.push_known,
                aria_describedby=f"{PUSH_SWITCH_ID}-hint",
                size="3",
            ),
        ),
        rx.cond(
            state.push_busy,
            rx.hstack(rx.spinner(size="1"), rx.text("Setting up this device…", size="2"), role="status"),
        ),
        form_error(state.push_error),
        form_notice(state.push_notice),
    )


def _category_section() -> rx.Component:
    state = NotificationSettingsState

    def row(category: str, label: str, text: str) -> rx.Component:
        switch_id = f"push-{category}"
        return _switch_row(
            switch_id,
            label,
            text,
            rx.switch(
                id=switch_id,
                checked=state.categories[category],
                on_change=lambda enabled: state.set_category(category, enabled),
                disabled=state.saving != "",
                aria_describedby=f"{switch_id}-hint",
                size="2",
            ),
        )

    return section(
        "What pushes",
        rx.text(
            "Everything always shows in Lumi's notifications; these choose what also reaches your devices.",
            size="2",
            color_scheme="gray",
        ),
        *[row(*category) for category in CATEGORIES],
        form_error(state.error),
        form_notice(state.notice),
    )


@page(routes.SETTINGS_NOTIFICATIONS, "Notification settings", on_load=[NotificationSettingsState.load])
def notification_settings() -> rx.Component:
    state = NotificationSettingsState
    return rx.vstack(
        settings_tabs(),
        rx.cond(
            state.loaded & (state.loaded_for == SessionState.context_key),
            rx.vstack(_push_section(), _category_section(), spacing="4", width="100%", align="stretch"),
            rx.cond(
                state.error != "",
                form_error(state.error),
                rx.hstack(rx.spinner(), rx.text("Loading…", color_scheme="gray"), role="status"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
