"""Every page a person has fits a phone and a desktop: no sideways scrolling, no console errors, and
every control, image and video has an accessible name (what tests and screen readers go by)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from e2e.date_pages import CalendarPage, DateSettingsPage
from e2e.moments_pages import FeedPage, TagPage, TagsPage, UploadPage
from e2e.music_search_pages import MusicSearchPage
from e2e.pages import (
    AppPage,
    HomePage,
    LandingPage,
    LoginPage,
    NotificationSettingsPage,
    NotificationsPage,
    PairingPage,
    RegisterPage,
    SettingsAccountPage,
    SettingsAppearancePage,
    SettingsPage,
    SettingsRelationshipPage,
    SettingsSecurityPage,
    expect_every_control_named,
    expect_no_horizontal_scroll,
)
from e2e.people import DESKTOP, PHONE, Person
from e2e.playlist_pages import PlaylistPage, PlaylistsPage
from e2e.stats_pages import StatsPage

PUBLIC_PAGES: tuple[type[AppPage], ...] = (LandingPage, RegisterPage, LoginPage)
SIGNED_IN_PAGES: tuple[type[AppPage], ...] = (
    LandingPage,
    HomePage,
    PairingPage,
    NotificationsPage,
    SettingsPage,
    SettingsAccountPage,
    SettingsSecurityPage,
    NotificationSettingsPage,
    SettingsAppearancePage,
    SettingsRelationshipPage,
    DateSettingsPage,
    CalendarPage,
    FeedPage,
    UploadPage,
    TagsPage,
    TagPage,
    StatsPage,
    MusicSearchPage,
    PlaylistsPage,
    PlaylistPage,
)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_the_screen_without_console_errors(
    new_person: Callable[..., Person], viewport: dict[str, int]
) -> None:
    emma = new_person("Emma", viewport)

    # the pages anyone sees
    for page_type in PUBLIC_PAGES:
        page_type(emma.page).open()
        expect_no_horizontal_scroll(emma.page)
        expect_every_control_named(emma.page)

    # and, once signed up, every page of the app
    RegisterPage(emma.page).register(emma)
    for page_type in SIGNED_IN_PAGES:
        page_type(emma.page).open()
        expect_no_horizontal_scroll(emma.page)
        expect_every_control_named(emma.page)

    assert emma.console_errors() == []
