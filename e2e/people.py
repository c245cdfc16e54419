"""The people e2e tests play: each at their own browser context, at a phone's or a desk's width."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "lumi-e2e-pass1"


@dataclass
class Person:
    """One person at their own browser: a context (their cookies) and a page.

    ``has_account`` says the suite may have made an account for them (set by
    ``RegisterPage.register`` before it signs up): the ``new_person`` fixture deletes it through
    the app when the test ends. A test that deletes the account itself sets it back to False; one
    that changes the password keeps ``password`` up to date. ``from_pool`` marks an account taken
    from ``LUMI_E2E_ACCOUNTS`` (signed in, not signed up; logged out at the end, not deleted)."""

    name: str
    username: str
    email: str
    password: str
    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)
    has_account: bool = False
    from_pool: bool = False

    @property
    def live_page(self) -> Page:
        """A page of theirs that is still open (a test may have closed the one it started with)."""
        if self.page.is_closed():
            open_pages = [page for page in self.context.pages if not page.is_closed()]
            self.page = open_pages[0] if open_pages else self.context.new_page()
        return self.page

    def look_away(self) -> None:
        """Switch to another app or tab: the Lumi page becomes hidden.

        Headless Chromium keeps every page visible (Playwright has no switch for it), so the
        page is told what a browser tells a tab put in the background: ``visibilityState`` is
        "hidden", and a ``visibilitychange`` event fires."""
        self.page.evaluate(_SET_VISIBILITY, True)

    def come_back(self) -> None:
        """Bring the Lumi page to the front again (see :meth:`look_away`)."""
        self.page.evaluate(_SET_VISIBILITY, False)

    def console_errors(self) -> list[str]:
        """Errors the browser logged or threw so far, in any of this person's tabs."""
        return [line for line in self.console if line.startswith(("error:", "pageerror:"))]


_SET_VISIBILITY = """hidden => {
    const state = hidden ? "hidden" : "visible";
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event("visibilitychange"));
}"""
