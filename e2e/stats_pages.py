"""Page object of the music stats page (listening per day, a period's top lists, recently played)."""

from __future__ import annotations

from playwright.sync_api import Page

from e2e.pages import AppPage

EMPTY = "Nothing played yet"


class StatsPage(AppPage):
    path = "/music/stats"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.empty = page.get_by_text(EMPTY)
        self.recent = page.get_by_role("list", name="Recently played")
        self.top_songs = page.get_by_role("list", name="Top songs")
        self.top_artists = page.get_by_role("list", name="Top artists")
        self.top_albums = page.get_by_role("list", name="Top albums")
        self.totals = page.get_by_role("group", name="Totals")
        self.days = page.get_by_role("region", name="Listening per day")
        self.period = page.get_by_role("radiogroup", name="Period")
        self.ready = self.empty.or_(self.recent)

    def choose(self, period: str) -> None:
        self.period.get_by_role("radio", name=period).click()

    def bar_heights(self) -> list[float]:
        """The heights of the day chart's drawn bars (recharts' rectangles), in pixels."""
        return self.page.evaluate(
            """[...document.querySelectorAll('[data-testid="music-days-chart"] .recharts-bar-rectangle path')]
                .map(path => path.getBoundingClientRect().height)"""
        )
