"""Pages never show what they held on a previous visit, and never throw away what a person did.

These act at machine speed right after a navigation (as a quick person on a slow link does):
each step goes as soon as its control is there, and a :class:`ScreenWatch` records whatever
flashed on screen in between. Before every page gated its content on the visit
(``lumi_app/state/visit.py``), "New moment" opened with the last moment's title, "Checking
the video…" and disabled inputs, a file chosen then was forgotten, and a search typed as
Moments opened was wiped by its load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.moments_pages import FeedPage, UploadPage, couple
from e2e.pages import (
    AppConnection,
    HomePage,
    PairingPage,
    RegisterPage,
    ScreenWatch,
    Shell,
    field_value_is,
    shows_text,
)
from e2e.people import DESKTOP, PHONE, Person
from tests.media import make_video

TITLE_ID = "moment-title"


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.webm", seconds=2, fmt="webm")


def test_new_moment_after_sharing_one_opens_clean_and_keeps_a_file_chosen_at_once(
    new_person: Callable[..., Person], video: Path
) -> None:
    # given Ana has just shared "Sunset" and is on its watch page
    ana, _ben = couple(new_person, ("Ana", DESKTOP), ("Ben", PHONE))
    FeedPage(ana.page).open().new_moment().upload(video, "Sunset")
    watch = ScreenWatch(
        ana.page,
        last_title=field_value_is(TITLE_ID, "Sunset"),
        checking=shows_text("Checking the video…"),
        disabled_title=f"document.getElementById('{TITLE_ID}')?.disabled === true",
    ).start()

    # when she goes to Moments and on to "New moment", choosing a video and typing the moment
    # the instant each control is there
    ana.page.get_by_role("navigation", name="Main").get_by_role("link", name="Moments", exact=True).click()
    FeedPage(ana.page).new_moment_link.click()
    upload = UploadPage(ana.page)
    upload.video.set_input_files(video)
    upload.title.fill("Second one")
    seen = watch.seen()
    upload.share()

    # then the form never showed the last visit's title, its check or disabled fields,
    # and the video chosen at once is the one shared
    assert seen == {}, f"the new form showed the previous visit's state: {seen}"
    expect(ana.page).to_have_url(re.compile(r"/moments/watch/?\?id="), timeout=60_000)
    expect(ana.page.get_by_role("heading", name="Second one", exact=True)).to_be_visible()
    assert ana.console_errors() == []


def test_a_search_typed_as_moments_opens_is_kept_and_the_last_visits_search_never_shows(
    add_moments: Callable[[Person, Sequence[str]], None], new_person: Callable[..., Person]
) -> None:
    # given Cleo and Dan with two moments; Cleo searched for "picnic" on her last visit to Moments
    cleo, _dan = couple(new_person, ("Cleo", DESKTOP), ("Dan", DESKTOP))
    add_moments(cleo, ["Kite flying", "Picnic"])
    feed = FeedPage(cleo.page).open()
    feed.search("picnic")
    feed.results.expect_titles(["Picnic"])
    HomePage(cleo.page).open()
    watch = ScreenWatch(cleo.page, last_search=shows_text("Results for “picnic”")).start()

    # when she opens Moments from the navigation and types a search the instant the box is there
    cleo.page.get_by_role("navigation", name="Main").get_by_role("link", name="Moments", exact=True).click()
    feed.search_box.fill("kite")
    feed.search_box.press("Enter")

    # then her search is what shows, the box still holds it, and last visit's never flashed
    expect(cleo.page.get_by_role("heading", name="Results for “kite”")).to_be_visible()
    feed.results.expect_titles(["Kite flying"])
    expect(feed.search_box).to_have_value("kite")
    assert watch.seen() == {}
    assert cleo.console_errors() == []


def test_a_notice_of_the_last_visit_never_shows_on_the_next(new_person: Callable[..., Person]) -> None:
    # given Eve sent Finn a request ("Request sent to Finn" on her pairing page) and went Home
    eve, finn = new_person("Eve", DESKTOP), new_person("Finn", DESKTOP)
    RegisterPage(eve.page).register(eve)
    RegisterPage(finn.page).register(finn)
    PairingPage(eve.page).open().send_request(finn.username)
    Shell(eve.page).go_to("Home")
    expect(HomePage(eve.page).greeting("Eve")).to_be_visible()
    watch = ScreenWatch(eve.page, last_notice=shows_text("Request sent to")).start()

    # when she opens her pairing page again
    Shell(eve.page).go_to("Partner")
    pairing = PairingPage(eve.page).wait_until_ready()

    # then the request is listed, and the last visit's notice did not flash on the way
    expect(pairing.cancel_button("Finn")).to_be_visible()
    assert watch.seen() == {}


def test_a_dropped_connection_keeps_the_page_and_what_was_typed_and_chosen(
    new_person: Callable[..., Person], video: Path
) -> None:
    # given Gus filling in a new moment: a video chosen, a title and a description typed
    gus, _hana = couple(new_person, ("Gus", PHONE), ("Hana", DESKTOP))
    connection = AppConnection(gus.context)
    upload = FeedPage(gus.page).open().new_moment()
    upload.video.set_input_files(video)
    upload.title.fill("On the ferry")
    upload.description.fill("Windy!")
    watch = ScreenWatch(
        gus.page,
        form_gone=f"!document.getElementById('{TITLE_ID}')",
        title_emptied=field_value_is(TITLE_ID, ""),
    ).start()

    # when his connection drops and the app reconnects (the page's loads run again)
    with gus.page.expect_websocket(lambda socket: "/_event" in socket.url):
        connection.drop()
    upload.tags.fill("sea")
    expect(upload.tags_to_add).to_have_text(["#sea"])

    # then the form never went away, nothing he typed was undone, and the chosen video is shared
    assert watch.seen() == {}
    expect(upload.title).to_have_value("On the ferry")
    expect(upload.description).to_have_value("Windy!")
    upload.share()
    expect(gus.page).to_have_url(re.compile(r"/moments/watch/?\?id="), timeout=60_000)
    expect(gus.page.get_by_role("heading", name="On the ferry", exact=True)).to_be_visible()
    expect(gus.page.get_by_text("Windy!")).to_be_visible()
