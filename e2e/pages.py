"""Page objects for the Lumi app: each builds its locators once and offers what a person does there.

Things are found the way a person (or a screen reader) finds them: by role, label and
text. Every wait is an ``expect`` assertion; nothing sleeps. An action that reaches one of the
API's auth routes (signing up, logging in or out, changing the password, deleting the
account) first takes a turn from :data:`~e2e.accounts.auth_pacer`, so a run against a
deployment stays within its auth rate limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Self

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, WebSocketRoute, expect

from e2e.accounts import account_pool, auth_pacer

if TYPE_CHECKING:
    from e2e.people import Person

PHONE_MAX_WIDTH = 767  # the app's "sm" breakpoint is 768 px
# A live change (presence, a notification) shows "within a second on one machine"; bench/realtime.py
# measures it. This bound leaves room for a busy CI box yet stays well under the 30 s offline
# timeout, so a pass shows the change travelled live, not through the timeout or the cleanup job.
LIVE_MS = 8_000
_SAME_PAGE_MARK = "__lumiE2eSamePage"


def expect_field_error(field: Locator, message: str) -> None:
    """The field is marked invalid and its accessible description (hint + error) carries ``message``."""
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))


def password_toggle(field: Locator) -> Locator:
    """The show-password button inside a password field (named "Show password", pressed: "Hide password")."""
    return field.locator("xpath=..").get_by_role("button", name=re.compile(r"^(Show|Hide) password$"))


def expect_password_toggle_works(field: Locator, typed: str) -> None:
    """The toggle shows what was typed and hides it again, and the focus stays in the field."""
    toggle = password_toggle(field)
    expect(toggle).to_have_accessible_name("Show password")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(field).to_have_attribute("type", "password")
    toggle.click()
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value(typed)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_accessible_name("Hide password")
    expect(field).to_be_focused()
    toggle.click()
    expect(field).to_have_attribute("type", "password")
    expect(toggle).to_have_accessible_name("Show password")
    expect(field).to_have_value(typed)
    expect(field).to_be_focused()


def from_now_on(locator: Locator) -> Locator:
    """``locator``'s matches that appear from now on; those on screen now are marked and left out.

    For a message that reads the same each time ("Saved."): the app takes it away when it starts
    on the next action and shows it again, as a new element, when that is done."""
    locator.evaluate_all("found => found.forEach(element => element.setAttribute('data-e2e-seen', ''))")
    return locator.and_(locator.page.locator(":not([data-e2e-seen])"))


def mark_page(page: Page) -> None:
    """Leave a mark in the page's window; a reload or a full navigation would wipe it."""
    page.evaluate(f"window.{_SAME_PAGE_MARK} = true")


def expect_same_page(page: Page) -> None:
    """Nothing reloaded the page since :func:`mark_page`: what changed on it came live."""
    assert page.evaluate(f"window.{_SAME_PAGE_MARK} === true"), f"{page.url} was loaded again"


def expect_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways: {scroll_width}px content in {inner_width}px"


class AppConnection:
    """A browser's live connection to the Reflex backend (its event websocket), passed through the
    test so that it can be dropped as a flaky network drops it, against any deployment.

    Only connections opened after this is made are passed through: open (or reload) a page after it."""

    def __init__(self, context: BrowserContext) -> None:
        self._open: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        context.route_web_socket(re.compile(r"/_event"), self._pass_through)

    def _pass_through(self, page_side: WebSocketRoute) -> None:
        self._open.append((page_side, page_side.connect_to_server()))

    def drop(self) -> None:
        """Close every open connection, at both ends; the app notices and reconnects."""
        assert self._open, "no connection went through since this was made: open a page first"
        for page_side, server_side in self._open:
            server_side.close()
            page_side.close(code=4000, reason="dropped by the test")
        self._open.clear()


# Roles (as Chromium's accessibility tree names them) that a person must be able to tell apart by name.
# Not <video>: Chromium names a video by its playback state ("Unable to play media."), whatever its label.
_CONTROLS = frozenset(
    {
        "button", "link", "textbox", "searchbox", "checkbox", "switch", "radio", "combobox", "listbox",
        "slider", "spinbutton", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "progressbar",
    }
)  # fmt: skip
_NEED_A_NAME = _CONTROLS | {"image", "img", "dialog", "alertdialog"}


def unnamed_controls(page: Page) -> list[str]:
    """Controls, images and dialogs on the page that a screen reader would announce without a name
    (read from Chromium's own accessibility tree), described by their element. A picture inside a
    control is the control's: the control's name is what counts."""
    devtools = page.context.new_cdp_session(page)
    try:
        nodes = devtools.send("Accessibility.getFullAXTree")["nodes"]
        by_id = {node["nodeId"]: node for node in nodes}

        def role(node: dict) -> str:
            return str(node.get("role", {}).get("value", ""))

        def inside_a_control(node: dict) -> bool:
            parent = by_id.get(node.get("parentId", ""))
            while parent is not None:
                if role(parent) in _CONTROLS:
                    return True
                parent = by_id.get(parent.get("parentId", ""))
            return False

        found = []
        for node in nodes:
            name = str(node.get("name", {}).get("value", "")).strip()
            if node.get("ignored") or role(node) not in _NEED_A_NAME or name:
                continue
            if role(node) in ("image", "img") and inside_a_control(node):
                continue
            element = devtools.send("DOM.describeNode", {"backendNodeId": node["backendDOMNodeId"]})["node"]
            attributes = element.get("attributes", [])
            shown = " ".join(f'{k}="{v}"' for k, v in zip(attributes[::2], attributes[1::2], strict=True))
            found.append(f"{role(node)}: <{element['localName']} {shown}>"[:300])
        return found
    finally:
        devtools.detach()


def expect_every_control_named(page: Page) -> None:
    """Every control, image, video and dialog has an accessible name: what tests find it by, and
    what a screen reader says."""
    unnamed = unnamed_controls(page)
    assert not unnamed, f"{page.url} has things without an accessible name:\n" + "\n".join(unnamed)


_WATCH_UPLOAD_PROGRESS = """() => {
    const seen = (window.__lumiUploadSeen = []);
    const look = () => {
        const bar = [...document.querySelectorAll("progress, [role=progressbar]")]
            .find(element => element.getAttribute("aria-label") === "Upload progress");
        if (!bar) return;
        const stage = (bar.closest("[role=status]")?.innerText ?? "").split("\\n")[0].trim();
        const entry = `${stage} ${bar.getAttribute("aria-valuenow") ?? 0}%`;
        if (seen[seen.length - 1] !== entry) seen.push(entry);
    };
    new MutationObserver(look).observe(document.body, {
        subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-valuenow"],
    });
}"""


def watch_upload_progress(page: Page) -> None:
    """Record every stage and percentage an upload's progress bar (the one named "Upload progress",
    in its status region) shows from now on: a small file is over in a blink."""
    page.evaluate(_WATCH_UPLOAD_PROGRESS)


def upload_progress_seen(page: Page) -> list[str]:
    """What :func:`watch_upload_progress` saw, in order: "Uploading… 0%", …, "Uploading… 100%"."""
    return page.evaluate("window.__lumiUploadSeen ?? []")


class ScreenWatch:
    """Records whether things ever showed on screen, even for one frame, from :meth:`start` on.

    Each check is a JavaScript expression evaluated after every DOM change and on every
    animation frame, so a flash of stale content between two of the test's steps is caught
    (an ``expect`` would wait for the page to settle and miss it).
    """

    _START = """(checks) => {
      const seen = (window.__lumiScreenWatch = {});
      const look = () => {
        for (const [name, code] of Object.entries(checks)) {
          try { if (!seen[name] && (0, eval)(code)) seen[name] = document.location.pathname; } catch (e) {}
        }
      };
      const observer = new MutationObserver(look);
      observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      let going = true;
      const frame = () => { look(); if (going) requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
      window.__lumiScreenWatchStop = () => { going = false; observer.disconnect(); };
      look();
    }"""

    def __init__(self, page: Page, **checks: str) -> None:
        self.page = page
        self.checks = checks

    def start(self) -> ScreenWatch:
        self.page.evaluate(self._START, self.checks)
        return self

    def seen(self) -> dict[str, str]:
        """What showed (by check name) and on which path; stops watching."""
        return self.page.evaluate("window.__lumiScreenWatchStop?.(), window.__lumiScreenWatch ?? {}")


def shows_text(text: str) -> str:
    """A :class:`ScreenWatch` check: ``text`` is somewhere in the page's main content."""
    return f"(document.querySelector('main')?.innerText ?? '').includes({json.dumps(text)})"


def field_value_is(element_id: str, value: str) -> str:
    """A :class:`ScreenWatch` check: the input with ``element_id`` holds ``value``."""
    return f"document.getElementById({json.dumps(element_id)})?.value === {json.dumps(value)}"


def together_text(days: int) -> str:
    return "Together since today" if days == 0 else f"{days:,} {'day' if days == 1 else 'days'} together"


def countdown_text(days: int) -> str:
    if days == 0:
        return "Happy anniversary"
    return "Your anniversary is tomorrow" if days == 1 else f"Your anniversary is in {days} days"


class Shell:
    """What every signed-in page has around its content: navigation, the partner's presence,
    the notification bell, live alerts, and logging out."""

    def __init__(self, page: Page) -> None:
        self.page = page
        # A sidebar from 768 px up, a bottom bar below; only one is shown, so only one is found.
        self.main_nav = page.get_by_role("navigation", name="Main")
        self.log_out_button = page.get_by_role("button", name="Log out")
        header = page.get_by_role("banner")
        # "Notifications" when nothing is unread, else "Notifications, 3 unread".
        self.bell = header.get_by_role("link", name=re.compile(r"^Notifications(, \d+ unread)?$"))
        # The partner's presence badge, a live region named "Sam is online" (absent while unpaired).
        self.presence = header.get_by_role("status", name=re.compile(r" is (online|idle|offline)"))
        # Live notifications pop up here (the toaster's region).
        self.alerts = page.get_by_role("region", name=re.compile("Alerts"))

    @property
    def on_phone(self) -> bool:
        viewport = self.page.viewport_size
        return viewport is not None and viewport["width"] <= PHONE_MAX_WIDTH

    def go_to(self, label: str) -> None:
        """Follow a main navigation link: "Home", "Partner" or "Settings"."""
        self.main_nav.get_by_role("link", name=label, exact=True).click()

    def log_out(self) -> None:
        if self.on_phone:  # a phone has the button on the settings page, a desktop in the sidebar
            self.go_to("Settings")
        auth_pacer.take()
        self.log_out_button.click()
        # Signed out: the landing page, or (when the protected page's own load wins the race
        # with the redirect, seen under heavy load) the login form. Either is a public page.
        login_form = self.page.get_by_role("form", name="Log in")
        expect(LandingPage(self.page).sign_up_link.or_(login_form)).to_be_visible()

    def expect_partner(
        self, name: str, state: str, *, last_seen: str | None = None, timeout: float | None = None
    ) -> None:
        """The badge says ``name`` is ``state`` ("online", "idle", "offline"); offline with ``last_seen``
        ("just now") when given. Visibly too: "Online", "Idle", "Offline · last seen just now" (the
        last-seen part only from 768 px up)."""
        label = f"{name} is {state}" + (f", last seen {last_seen}" if last_seen else "")
        expect(self.presence).to_have_accessible_name(label, timeout=timeout)
        shown = state.capitalize()
        if last_seen and not self.on_phone:
            shown += f" · last seen {last_seen}"
        expect(self.presence).to_have_text(shown, use_inner_text=True)

    def expect_unread(self, count: int) -> None:
        """The bell counts ``count`` unread notifications, on the badge and in its name."""
        expect(self.bell).to_have_accessible_name(f"Notifications, {count} unread" if count else "Notifications")
        if count:
            expect(self.bell).to_have_text(str(count))
        else:
            expect(self.bell).to_have_text("")

    def toast(self, text: str) -> Locator:
        """A live alert that popped up with ``text`` (a notification's title or body)."""
        return self.alerts.get_by_text(text, exact=True)

    def open_notifications(self) -> NotificationsPage:
        self.bell.click()
        return NotificationsPage(self.page).wait_until_ready()


class AppPage:
    """A page of the app at ``path``; ``ready`` is visible once its content has loaded."""

    path = "/"

    def __init__(self, page: Page) -> None:
        self.page = page
        self.shell = Shell(page)
        self.ready: Locator = page.get_by_role("main")

    def open(self) -> Self:
        self.page.goto(self.path)
        return self.wait_until_ready()

    def wait_until_ready(self) -> Self:
        expect(self.ready).to_be_visible()
        return self

    def reload(self) -> Self:
        self.page.reload()
        return self.wait_until_ready()

    def alert(self, text: str) -> Locator:
        return self.page.get_by_role("alert").filter(has_text=text)

    def notice(self, text: str) -> Locator:
        return self.page.get_by_role("status").filter(has_text=text)


# ---------------------------------------------------------------- public pages


class LandingPage(AppPage):
    path = "/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="A little light for the two of you")
        self.sign_up_link = page.get_by_role("link", name="Sign up")
        self.log_in_link = page.get_by_role("link", name="Log in")
        self.open_lumi_link = page.get_by_role("link", name="Open Lumi")


class RegisterPage(AppPage):
    path = "/register"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Create your Lumi account")
        self.email = page.get_by_label("E-mail", exact=True)
        self.username = page.get_by_label("Username", exact=True)
        self.display_name = page.get_by_label("Display name", exact=True)
        self.password = page.get_by_label("Password", exact=True)
        self.sign_up_button = page.get_by_role("button", name="Sign up")

    def fill(self, *, email: str, username: str, display_name: str, password: str) -> None:
        self.email.fill(email)
        self.username.fill(username)
        self.display_name.fill(display_name)
        self.password.fill(password)

    def submit(self) -> None:
        auth_pacer.take()
        self.sign_up_button.click()

    def register(self, person: Person) -> HomePage:
        """Sign ``person`` up (display name = their name) and land on home, signed in.

        With a pool of accounts (``LUMI_E2E_ACCOUNTS``) the next one is signed in instead and
        given the person's name. The person is marked as having an account before the form is
        sent, so the account is deleted at the end of the test even if the test fails here."""
        if account_pool.configured:
            return sign_in_from_pool(person, self.page)
        self.open()
        self.fill(email=person.email, username=person.username, display_name=person.name, password=person.password)
        person.has_account = True
        self.submit()
        home = HomePage(self.page)
        too_many = self.alert("Too many attempts")
        expect(home.greeting(person.name).or_(too_many)).to_be_visible()
        if too_many.is_visible():  # another run shares this address's budget: wait a refill, once
            auth_pacer.back_off()
            self.submit()
            expect(home.greeting(person.name)).to_be_visible()
        return home.wait_until_ready()


class LoginPage(AppPage):
    path = "/login"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Welcome back")
        self.login_field = page.get_by_label("E-mail or username", exact=True)
        self.password = page.get_by_label("Password", exact=True)
        self.log_in_button = page.get_by_role("button", name="Log in")
        self.forgot_link = page.get_by_role("link", name="Forgot your password?")

    def login(self, login: str, password: str) -> None:
        """Fill the form and submit it; what follows (home, or an error) is for the test to expect."""
        self.login_field.fill(login)
        self.password.fill(password)
        auth_pacer.take()
        self.log_in_button.click()

    def forgot_password(self) -> ForgotPasswordPage:
        self.forgot_link.click()
        return ForgotPasswordPage(self.page).wait_until_ready()


class ForgotPasswordPage(AppPage):
    path = "/forgot-password"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Forgot your password?")
        self.login_field = page.get_by_label("E-mail or username", exact=True)
        self.send_button = page.get_by_role("button", name="Send code")

    def ask_for_code(self, login: str) -> ResetPasswordPage:
        """Ask for a code for ``login``; the reset page follows whatever the login (it says so)."""
        self.login_field.fill(login)
        auth_pacer.take()  # an auth route: within the deployment's budget
        self.send_button.click()
        return ResetPasswordPage(self.page).wait_until_ready()


class ResetPasswordPage(AppPage):
    path = "/reset-password"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Choose a new password")
        self.login_field = page.get_by_label("E-mail or username", exact=True)
        self.code = page.get_by_label("Code from the e-mail", exact=True)
        self.new_password = page.get_by_label("New password", exact=True)
        self.confirm_password = page.get_by_label("New password again", exact=True)
        self.change_button = page.get_by_role("button", name="Change password")
        self.new_code_link = page.get_by_role("link", name="Send a new one")

    def reset(self, *, code: str, new: str, again: str | None = None, login: str | None = None) -> None:
        """Fill the form and submit it; the outcome (sign-in, or an error) is for the test to expect."""
        if login is not None:
            self.login_field.fill(login)
        self.code.fill(code)
        self.new_password.fill(new)
        self.confirm_password.fill(new if again is None else again)
        auth_pacer.take()
        self.change_button.click()


class ConfirmEmailPage(AppPage):
    """Check your e-mail: the code sent at sign-up, "Send a new code"."""

    path = "/confirm-email"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Check your e-mail")
        self.code = page.get_by_label("Code from the e-mail", exact=True)
        self.confirm_button = page.get_by_role("button", name="Confirm")
        self.new_code_button = page.get_by_role("button", name="Send a new code")

    def confirm(self, code: str) -> None:
        """Enter the code and confirm; what follows (home, or an error) is for the test to expect."""
        self.code.fill(code)
        auth_pacer.take()
        self.confirm_button.click()

    def send_new_code(self) -> None:
        auth_pacer.take()
        self.new_code_button.click()


class OutboxPage:
    """The local stack's outbox (``LumiSystem.outbox_url``): the e-mail the system would have sent,
    newest first. Only the local system has one."""

    RESET_CODE_SUBJECT = "Your Lumi password reset code"
    SIGN_UP_CODE_SUBJECT = "Your Lumi confirmation code"

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.ready = page.get_by_role("heading", name="Lumi outbox", exact=True)

    def open(self) -> Self:
        self.page.goto(self.url)
        expect(self.ready).to_be_visible()
        return self

    def messages_to(self, address: str, subject: str = RESET_CODE_SUBJECT) -> Locator:
        return self.page.get_by_role("listitem", name=f"{subject} for {address}", exact=True)

    def latest_code(self, address: str, subject: str = RESET_CODE_SUBJECT) -> str:
        """The code of the newest e-mail with ``subject`` to ``address`` (sent before the app answers)."""
        code = self.messages_to(address, subject).first.get_by_role("status")
        expect(code).to_have_text(re.compile(r"^\d{6}$"))
        return code.inner_text()


# ---------------------------------------------------------------- signed-in pages


class HomePage(AppPage):
    path = "/home"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.partner_heading = page.get_by_role("heading", name="Your partner", exact=True)
        self.invite_heading = page.get_by_role("heading", name="Invite your partner", exact=True)
        self.someone_wants_to_pair = page.get_by_text("Someone wants to pair with you.")
        self.pair_link = page.get_by_role("link", name="Pair with your partner")
        self.thinking_of_you_button = page.get_by_role("button", name="Thinking of you")
        self.too_many_nudges = self.alert("You've sent a few already.")
        self.latest_moments = page.get_by_role("list", name="Latest moments").get_by_role("listitem")
        # Home has loaded once it shows either the partner or the invitation.
        self.ready = self.partner_heading.or_(self.invite_heading)

    def greeting(self, display_name: str) -> Locator:
        return self.page.get_by_role("heading", name=f"Hi, {display_name}", exact=True)

    def expect_partner(self, partner: Person) -> None:
        expect(self.partner_heading).to_be_visible()
        expect(self.page.get_by_text(partner.name, exact=True)).to_be_visible()
        expect(self.page.get_by_text(f"@{partner.username}", exact=True)).to_be_visible()

    def expect_unpaired(self) -> None:
        expect(self.invite_heading).to_be_visible()
        expect(self.pair_link).to_be_visible()
        expect(self.partner_heading).to_have_count(0)

    def expect_anniversary(self, shown_as: str) -> None:
        expect(self.page.get_by_text(f"Together since {shown_as}", exact=True)).to_be_visible()

    def expect_together(self, days: int, until_anniversary: int | None = None) -> None:
        """ "1,234 days together", and "Your anniversary is in 23 days" (or tomorrow, or today)."""
        expect(self.page.get_by_text(together_text(days), exact=True)).to_be_visible()
        if until_anniversary is not None:
            expect(self.page.get_by_text(countdown_text(until_anniversary), exact=False)).to_be_visible()

    def nudge_sent(self, partner: Person) -> Locator:
        return self.notice(f"{partner.name} will know you're thinking of them.")

    def think_of(self, partner: Person) -> bool:
        """Tap "Thinking of you" and wait for Lumi's answer: True when it went to ``partner``, False
        when Lumi says enough were sent for now."""
        sent = from_now_on(self.nudge_sent(partner))
        self.thinking_of_you_button.click()
        expect(sent.or_(self.too_many_nudges)).to_be_visible()
        return not self.too_many_nudges.is_visible()


class PairingPage(AppPage):
    path = "/pairing"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.to_field = page.get_by_label("Partner's username or e-mail", exact=True)
        self.send_button = page.get_by_role("button", name="Send request")
        self.received = page.get_by_role("list", name="Requests for you")
        self.sent = page.get_by_role("list", name="Requests you sent")
        self.no_requests_for_you = page.get_by_text("No requests for you yet")
        self.no_requests_sent = page.get_by_text("You haven't sent a request")
        self.paired_heading = page.get_by_role("heading", name="You're paired", exact=True)
        self.ready = page.get_by_role("heading", name="Send a request", exact=True).or_(self.paired_heading)

    def accept_button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=f"Accept request from {name}", exact=True)

    def decline_button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=f"Decline request from {name}", exact=True)

    def cancel_button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=f"Cancel request to {name}", exact=True)

    def send_request(self, to: str) -> None:
        """Send a request to a username or e-mail; waits until it is listed as sent."""
        self.to_field.fill(to)
        self.send_button.click()
        expect(self.notice("Request sent to")).to_be_visible()
        expect(self.to_field).to_have_value("")

    def accept_from(self, name: str) -> None:
        self.accept_button(name).click()
        expect(self.notice(f"You and {name} are now paired.")).to_be_visible()
        expect(self.paired_heading).to_be_visible()

    def decline_from(self, name: str) -> None:
        self.decline_button(name).click()
        expect(self.notice(f"You declined {name}'s request.")).to_be_visible()

    def cancel_to(self, name: str) -> None:
        self.cancel_button(name).click()
        expect(self.notice(f"You cancelled your request to {name}.")).to_be_visible()


class SettingsPage(AppPage):
    path = "/settings"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.menu = page.get_by_role("navigation", name="Settings")
        self.ready = self.menu.get_by_role("link", name=re.compile(r"^Relationship"))

    def open_section(self, name: str) -> None:
        """Open "Account", "Security", "Appearance" or "Relationship" from the menu."""
        self.menu.get_by_role("link", name=re.compile(rf"^{name}")).click()


class SettingsAccountPage(AppPage):
    path = "/settings/account"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Profile", exact=True)
        self.display_name = page.get_by_label("Display name", exact=True)
        self.username = page.get_by_label("Username", exact=True)
        self.save_button = page.get_by_role("button", name="Save profile")
        self.photo_input = page.get_by_label("Profile photo", exact=True)
        self.upload_button = page.get_by_role("button", name="Upload photo")
        self.photo = page.get_by_role("img", name="Your photo", exact=True)

    def rename(self, display_name: str) -> None:
        self.display_name.fill(display_name)
        self.save_button.click()
        expect(self.notice("Your profile is saved.")).to_be_visible()

    def watch_upload_progress(self) -> None:
        """Record every stage and percentage the upload shows (it may be over in a blink)."""
        watch_upload_progress(self.page)

    def upload_progress_seen(self) -> list[str]:
        return upload_progress_seen(self.page)

    def upload_photo(self, file: Path) -> None:
        """Choose ``file`` and upload it; what follows (the photo, or an error) is for the test to expect."""
        self.photo_input.set_input_files(file)
        self.upload_button.click()


class SettingsSecurityPage(AppPage):
    path = "/settings/security"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("heading", name="Change password")
        self.current_password = page.get_by_label("Current password", exact=True)
        self.new_password = page.get_by_label("New password", exact=True)
        self.confirm_password = page.get_by_label("New password again", exact=True)
        self.change_button = page.get_by_role("button", name="Change password")
        self.delete_button = page.get_by_role("button", name="Delete account")
        self.delete_dialog = page.get_by_role("alertdialog", name="Delete your account?")
        self.delete_password = self.delete_dialog.get_by_label("Password", exact=True)
        self.confirm_delete_button = self.delete_dialog.get_by_role("button", name="Delete my account")

    def change_password(self, current: str, new: str, again: str) -> None:
        """Fill the change-password form and submit it; the outcome is for the test to expect."""
        self.current_password.fill(current)
        self.new_password.fill(new)
        self.confirm_password.fill(again)
        auth_pacer.take()
        self.change_button.click()

    def delete_account(self, password: str) -> None:
        """Ask to delete the account and confirm with ``password``; the outcome is for the test to expect."""
        if not self.delete_dialog.is_visible():
            self.delete_button.click()
        self.delete_password.fill(password)
        auth_pacer.take()
        self.confirm_delete_button.click()


class SettingsAppearancePage(AppPage):
    path = "/settings/appearance"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.ready = page.get_by_role("radiogroup", name="Theme")


class SettingsRelationshipPage(AppPage):
    path = "/settings/relationship"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.partner_heading = page.get_by_role("heading", name="Partner", exact=True)
        self.not_paired = page.get_by_text("You're not paired with anyone")
        self.anniversary = page.get_by_label("Anniversary date", exact=True)
        self.save_anniversary_button = page.get_by_role("button", name="Save anniversary")
        self.leave_button = page.get_by_role("button", name="Leave relationship")
        self.leave_dialog = page.get_by_role("alertdialog", name="Leave your relationship?")
        self.ready = self.partner_heading.or_(self.not_paired)

    def set_anniversary(self, day: date) -> None:
        self.anniversary.fill(day.isoformat())
        self.save_anniversary_button.click()
        expect(self.notice("Anniversary saved.")).to_be_visible()

    def leave(self) -> None:
        """Leave the relationship, confirming in the dialog."""
        self.leave_button.click()
        expect(self.leave_dialog).to_be_visible()
        self.leave_dialog.get_by_role("button", name="Leave", exact=True).click()
        expect(self.leave_dialog).to_be_hidden()
        expect(self.notice("You left your relationship with")).to_be_visible()
        expect(self.not_paired).to_be_visible()


class NotificationsPage(AppPage):
    path = "/notifications"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.heading = page.get_by_role("heading", name="Notifications", exact=True)
        self.list = page.get_by_role("list", name="Notifications")
        self.items = self.list.get_by_role("listitem")
        # "All" alone: "Mark all as read" has it too.
        self.show_all_button = page.get_by_role("button", name="All", exact=True)
        self.show_unread_button = page.get_by_role("button", name="Unread", exact=True)
        self.mark_read_button = page.get_by_role("button", name="Mark as read", exact=True)
        self.mark_all_read_button = page.get_by_role("button", name="Mark all as read", exact=True)
        self.load_more_button = page.get_by_role("button", name="Load more")
        self.end_of_list = page.get_by_text("That's all your notifications.")
        self.nothing_yet = page.get_by_text("No notifications yet")
        self.all_caught_up = page.get_by_text("You're all caught up")
        self.ready = self.list.or_(self.nothing_yet).or_(self.all_caught_up)

    def item(self, title: str) -> Locator:
        """The notifications titled ``title`` (a nudge has the same title each time)."""
        return self.items.filter(has=self.page.get_by_role("link", name=title, exact=True))

    def created_times(self) -> list[str]:
        """When each listed notification was created (its ``<time datetime>``), top to bottom."""
        return self.items.locator("time").evaluate_all("times => times.map(t => t.dateTime)")

    def unread_tags(self) -> Locator:
        return self.items.get_by_text("Unread", exact=True)

    def show(self, which: str) -> None:
        """Press the "All" or "Unread" filter; waits until it is on and the list has loaded."""
        button = self.show_unread_button if which == "Unread" else self.show_all_button
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        self.wait_until_ready()

    def select(self, item: Locator) -> None:
        checkbox = item.get_by_role("checkbox", name=re.compile(r"^Select "))
        checkbox.click()  # not check(): the box shows what the backend holds, a moment later
        expect(checkbox).to_be_checked()

    def mark_selected_read(self) -> None:
        marked = from_now_on(self.notice("Marked as read."))
        self.mark_read_button.click()
        expect(marked).to_be_visible()

    def mark_all_read(self) -> None:
        marked = from_now_on(self.notice("Marked as read."))
        self.mark_all_read_button.click()
        expect(marked).to_be_visible()

    def open_item(self, item: Locator) -> None:
        """Follow the notification's title link (which also marks it read)."""
        item.get_by_role("link").click()


class NotificationSettingsPage(AppPage):
    path = "/settings/notifications"

    CATEGORIES = ("Partner activity", "Moments", "Affirmations", "Music", "Reminders")

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.heading = page.get_by_role("heading", name="Notification settings", exact=True)
        self.push_on_this_device = page.get_by_role("switch", name="Push notifications on this device")
        # Loaded once the per-kind switches are there.
        self.ready = self.category("Partner activity")

    def category(self, label: str) -> Locator:
        return self.page.get_by_role("switch", name=label, exact=True)

    def set_category(self, label: str, on: bool) -> None:
        """Turn push for one kind of notification on or off; it is saved at once."""
        switch = self.category(label)
        expect(switch).to_be_checked(checked=not on)
        saved = from_now_on(self.notice("Saved."))
        # A click, not set_checked(): the switch shows what the backend holds, a moment later.
        switch.click()
        expect(saved).to_be_visible()
        expect(switch).to_be_checked(checked=on)


# ---------------------------------------------------------------- journeys across pages


def sign_in_from_pool(person: Person, page: Page) -> HomePage:
    """Play ``person`` with the next account of the pool: log in, take their name, land on home.

    Skips the test once every account of the pool has played someone."""
    account = account_pool.take()
    if account is None:
        pytest.skip(f"every account of {account_pool.source} ({len(account_pool)}) has played someone in this run")
    person.email, person.password = account.email, account.password
    person.from_pool = person.has_account = True  # logged out at the end
    LoginPage(page).open().login(account.email, account.password)
    HomePage(page).wait_until_ready()
    settings = SettingsAccountPage(page).open()
    expect(settings.username).not_to_have_value("")
    person.username = settings.username.input_value()
    if settings.display_name.input_value() != person.name:
        settings.rename(person.name)
    home = HomePage(page).open()
    expect(home.greeting(person.name)).to_be_visible()
    return home


def delete_accounts(people: Sequence[Person]) -> list[tuple[Person, Exception]]:
    """Delete each person's account through Settings → Security (signing in first where their
    browser is signed out), all at once: every step is begun for everyone before any is waited on,
    so their page loads and deletions overlap. The end of every test does this for the people it
    signed up. Returns who could not be deleted, and why."""
    failed: list[tuple[Person, Exception]] = []

    def each(step: Callable[[Person], object], going: Sequence[Person]) -> list[Person]:
        still: list[Person] = []
        for person in going:
            try:
                step(person)
                still.append(person)
            except Exception as error:
                failed.append((person, error))
        return still

    def confirm(person: Person) -> None:
        page = person.page
        security, login = SettingsSecurityPage(page), LoginPage(page)
        expect(security.ready.or_(login.ready).first).to_be_visible()
        if login.ready.is_visible():
            login.login(person.username, person.password)
            security.wait_until_ready()
        security.delete_account(person.password)

    def gone(person: Person) -> None:
        page = person.page
        expect(LandingPage(page).ready.or_(page.get_by_text("Your account was deleted.")).first).to_be_visible()
        person.has_account = False

    going = each(lambda person: person.live_page.goto(SettingsSecurityPage.path, wait_until="commit"), people)
    each(gone, each(confirm, going))
    return failed


def log_out_wherever(person: Person) -> None:
    """Log ``person`` out, from whatever page their browser is on (nothing to do if it is signed out)."""
    page = person.live_page
    home = HomePage(page)
    page.goto(home.path)
    login = LoginPage(page)
    expect(home.ready.or_(login.ready).first).to_be_visible()
    if home.ready.is_visible():
        home.shell.log_out()


def pair_up(asker: Person, partner: Person) -> None:
    """``asker`` sends ``partner`` a request by username and ``partner`` accepts; both signed up.

    Leaves ``asker`` on their pairing page and ``partner`` on theirs, paired."""
    PairingPage(asker.page).open().send_request(partner.username)
    PairingPage(partner.page).open().accept_from(asker.name)
