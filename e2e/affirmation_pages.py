"""Page objects for affirmations: yours for your partner, and the ones you received."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from e2e.pages import AppPage


class WriteAffirmationsPage(AppPage):
    path = "/affirmations"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.form = page.get_by_role("form", name="Write an affirmation")
        self.text = self.form.get_by_role("textbox")
        self.save_button = self.form.get_by_role("button", name="Save")
        self.list = page.get_by_role("list", name="Your affirmations")
        self.items = self.list.get_by_role("listitem")
        self.nothing_yet = page.get_by_text("No affirmations yet")
        self.now_form = page.get_by_role("form", name="Send an affirmation now")
        self.now_text = self.now_form.get_by_role("textbox")
        self.now_keep = self.now_form.get_by_role("checkbox")
        self.now_button = self.now_form.get_by_role("button", name="Send now")
        self.ready = self.form.or_(page.get_by_text("Moments are for two"))

    def write(self, text: str) -> None:
        """Save one; waits until it heads the list."""
        self.text.fill(text)
        self.save_button.click()
        expect(self.items.first).to_contain_text(text)
        expect(self.text).to_have_value("")

    def item(self, text: str) -> Locator:
        return self.items.filter(has_text=text)

    def expect_loved(self, text: str, times: str = "once") -> None:
        expect(self.item(text)).to_contain_text(f"Loved {times}")

    def send_now(self, text: str, *, keep: bool = False) -> None:
        self.now_text.fill(text)
        if keep:
            self.now_keep.check()
        self.now_button.click()
        expect(self.notice("Sent.")).to_be_visible()


class ReceivedAffirmationsPage(AppPage):
    path = "/affirmations/received"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.today = page.get_by_role("region", name="Today")
        self.earlier = page.get_by_role("list", name="Earlier affirmations")
        self.schedule = page.get_by_role("form", name="When affirmations come")
        self.daily_switch = self.schedule.get_by_role("switch")
        self.time = self.schedule.get_by_label("Time of day")
        self.zone = self.schedule.get_by_label("Time zone")
        self.save_button = self.schedule.get_by_role("button", name="Save")
        self.ready = self.schedule.or_(page.get_by_text("Moments are for two"))

    def receive_daily_at(self, local_time: str) -> str:
        """Turn daily affirmations on at ``local_time`` in the zone the page proposes; returns the zone."""
        if self.daily_switch.get_attribute("aria-checked") != "true":
            self.daily_switch.click()
        self.time.select_option(local_time)
        zone = self.zone.input_value()
        self.save_button.click()
        expect(self.schedule.get_by_text(re.compile(r"^Saved"))).to_be_visible()
        return zone

    def received(self, text: str) -> Locator:
        return self.page.get_by_role("article", name=text)

    def love(self, text: str) -> None:
        card = self.received(text)
        card.get_by_role("button", name="Love this").click()
        expect(card.get_by_role("button", name="Take back your heart")).to_have_attribute("aria-pressed", "true")
