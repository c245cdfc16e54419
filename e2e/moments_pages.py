"""Page objects for the Moments pages: the feed (with search and filter), uploading, tags, a tag's moments.

Locators by role, label and text, built once; every wait is an ``expect`` (or a wait for a
condition in the page), never a sleep.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import Locator, Page, expect

from e2e.pages import AppPage, RegisterPage, pair_up, upload_progress_seen, watch_upload_progress
from e2e.people import Person

NOT_PAIRED = "Moments are for two"
# The thumbnail is made on the stream (ffmpeg) after the moment appears: live, but slower than a message.
THUMBNAIL_MS = 30_000
_IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"


def couple(
    new_person: Callable[..., Person], first: tuple[str, dict], second: tuple[str, dict]
) -> tuple[Person, Person]:
    """Two people signed up and paired, each at their own browser (moments are for couples)."""
    one = new_person(first[0], first[1])
    two = new_person(second[0], second[1])
    RegisterPage(one.page).register(one)
    RegisterPage(two.page).register(two)
    pair_up(one, two)
    return one, two


class MomentGrid:
    """The cards of one grid (the feed, search results, a tag's moments), under day headings where
    the page groups them (each day a region named by its heading, holding a list of cards)."""

    def __init__(self, page: Page, grid: Locator) -> None:
        self.page = page
        self.grid = grid
        self.cards = grid.get_by_role("listitem")
        self.titles = self.cards.get_by_role("heading")
        self.day_headings = grid.get_by_role("heading", level=3)

    def day(self, heading: str) -> MomentGrid:
        """The cards under one day's heading ("Today", "Yesterday", "12 November")."""
        return MomentGrid(self.page, self.grid.get_by_role("region", name=heading, exact=True))

    def columns(self) -> list[float]:
        """The widths of the columns of the (first) grid of cards, as the browser laid them out."""
        tracks = self.grid.get_by_role("list").first.evaluate("list => getComputedStyle(list).gridTemplateColumns")
        return [float(track.removesuffix("px")) for track in tracks.split()]

    def first_row(self) -> list[float]:
        """The widths of the cards in the first row of the (first) grid."""
        return self.grid.get_by_role("list").first.evaluate(
            """list => {
                const cards = Array.from(list.children).map(card => card.getBoundingClientRect());
                const top = cards.length ? cards[0].top : 0;
                return cards.filter(box => Math.abs(box.top - top) < 1).map(box => box.width);
            }"""
        )

    def card(self, title: str) -> Locator:
        return self.cards.filter(has=self.page.get_by_role("heading", name=title, exact=True))

    def thumbnail(self, title: str) -> Locator:
        return self.card(title).get_by_role("img", name=f"Preview of {title}", exact=True)

    def placeholder(self, title: str) -> Locator:
        """The card's stand-in while its video is checked or its preview made."""
        return self.card(title).get_by_text(re.compile(r"^(Processing…|Making the preview…)$"))

    def processing(self, title: str) -> Locator:
        return self.card(title).get_by_text("Processing…", exact=True)

    def unplayable(self, title: str) -> Locator:
        return self.card(title).get_by_text("This video can't be played", exact=True)

    def expect_card(self, title: str, *, who: str | None = None, timeout: float | None = None) -> None:
        """A card titled ``title`` is shown; by ``who`` ("You" or the partner's name) when given."""
        card = self.card(title)
        expect(card).to_be_visible(timeout=timeout)
        if who is not None:
            expect(card).to_contain_text(f"{who} · ")

    def expect_no_card(self, title: str) -> None:
        expect(self.card(title)).to_have_count(0)

    def expect_titles(self, titles: Sequence[str]) -> None:
        """Exactly these cards, in this order (newest first)."""
        expect(self.titles).to_have_text(list(titles))

    def expect_thumbnail(self, title: str, *, timeout: float | None = None) -> None:
        """The card shows its preview picture, loaded (not the placeholder)."""
        image = self.thumbnail(title)
        expect(image).to_be_visible(timeout=timeout)
        expect(self.placeholder(title)).to_have_count(0)
        image.scroll_into_view_if_needed()
        self.page.wait_for_function(_IMAGE_LOADED, arg=image.element_handle())

    def open(self, title: str) -> None:
        """Follow the card's link (to the watch page)."""
        self.card(title).get_by_role("link").click()


class FeedPage(AppPage):
    path = "/moments"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.feed = MomentGrid(page, page.get_by_role("region", name="Moments", exact=True))
        self.results = MomentGrid(page, page.get_by_role("list", name="Search results", exact=True))
        self.search_box = page.get_by_role("searchbox", name="Search moments")
        self.search_button = page.get_by_role("search").get_by_role("button", name="Search")
        self.show_all_button = page.get_by_role("button", name="Show all moments")
        self.new_moment_link = page.get_by_role("link", name="New moment")
        self.tags_link = page.get_by_role("main").get_by_role("link", name="Tags", exact=True)
        self.all_button = page.get_by_role("button", name="All", exact=True)
        self.mine_button = page.get_by_role("button", name="Mine", exact=True)
        self.partners_button = page.get_by_role("button", name="My partner's", exact=True)
        self.load_more_button = page.get_by_role("button", name="Load more")
        self.end_of_list = page.get_by_text("That's every moment.")
        self.nothing_yet = page.get_by_text("No moments yet — share the first one")
        self.none_of_mine = page.get_by_text("You haven't shared a moment yet")
        self.none_of_partners = page.get_by_text("Nothing from your partner yet")
        self.not_paired = page.get_by_text(NOT_PAIRED)
        self.pair_link = page.get_by_role("link", name="Pair with your partner")
        self.searching = page.get_by_text("Searching…")
        self.ready = (
            self.feed.grid.or_(self.nothing_yet).or_(self.none_of_mine).or_(self.none_of_partners).or_(self.not_paired)
        )

    # the feed's grid is what a card assertion means unless a search is shown
    def expect_card(self, title: str, *, who: str | None = None, timeout: float | None = None) -> None:
        self.feed.expect_card(title, who=who, timeout=timeout)

    def expect_thumbnail(self, title: str, *, timeout: float | None = None) -> None:
        self.feed.expect_thumbnail(title, timeout=timeout)

    def show(self, which: str) -> None:
        """Press "All", "Mine" or "My partner's"; waits until it is on and the grid has loaded."""
        button = {"All": self.all_button, "Mine": self.mine_button, "My partner's": self.partners_button}[which]
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        self.wait_until_ready()

    def no_match(self, words: str) -> Locator:
        return self.page.get_by_text(f"No moments match “{words}”")

    def search(self, words: str) -> None:
        """Search for ``words``; waits for the results (or that nothing matches)."""
        self.search_box.fill(words)
        self.search_button.click()
        expect(self.page.get_by_role("heading", name=f"Results for “{words}”")).to_be_visible()
        expect(self.searching).to_have_count(0)
        expect(self.results.grid.or_(self.no_match(words))).to_be_visible()

    def back_to_feed(self) -> None:
        self.show_all_button.click()
        expect(self.search_box).to_have_value("")
        self.wait_until_ready()

    def new_moment(self) -> UploadPage:
        self.new_moment_link.click()
        return UploadPage(self.page).wait_until_ready()


class UploadPage(AppPage):
    path = "/moments/new"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.form = page.get_by_role("form", name="New moment")
        self.video = page.get_by_label("Video or photo", exact=True)
        self.drop_zone = page.locator("#moment-drop-zone")
        self.chosen = page.locator("#moment-chosen")
        self.preview_video = page.get_by_label("The chosen video")
        self.preview_photo = page.get_by_role("img", name="The chosen photo")
        self.length = page.locator("#moment-file-length")
        # A phone's camera buttons: labels holding file inputs that open the camera.
        self.record_button = page.locator("label[for='moment-record']")
        self.take_photo_button = page.locator("label[for='moment-take-photo']")
        self.title = page.get_by_label("Title", exact=True)
        self.description = page.get_by_label("Description", exact=True)
        self.tags = page.get_by_label("Tags", exact=True)
        self.tags_to_add = page.get_by_role("list", name="Tags to add").get_by_role("listitem")
        self.share_button = page.get_by_role("button", name="Share moment")
        self.progress = page.get_by_role("progressbar", name="Upload progress")
        self.cancel_button = page.get_by_role("button", name="Cancel upload")
        self.checking = page.get_by_text("Checking the video…").or_(page.get_by_text("Checking the photo…"))
        self.cancelled = self.notice("Upload cancelled. Nothing was shared.")
        self.not_paired = page.get_by_text(NOT_PAIRED)
        self.ready = self.form.or_(self.not_paired)

    def drop(self, file: Path, mime_type: str) -> None:
        """Drag ``file`` from the desktop onto the drop zone and let go, as a person does."""
        transfer = self.page.evaluate_handle(
            """([name, type, base64]) => {
                const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name, { type }));
                return transfer;
            }""",
            [file.name, mime_type, base64.b64encode(file.read_bytes()).decode()],
        )
        for event in ("dragenter", "dragover"):
            self.drop_zone.dispatch_event(event, {"dataTransfer": transfer})
        expect(self.drop_zone).to_have_attribute("data-dragging", "")
        self.drop_zone.dispatch_event("drop", {"dataTransfer": transfer})

    def fill(self, video: Path, title: str, *, description: str = "", tags: Sequence[str] = ()) -> None:
        """Choose ``video`` (or a photo) with the chooser, and type the rest."""
        self.video.set_input_files(video)
        self.title.fill(title)
        if description:
            self.description.fill(description)
        if tags:
            self.tags.fill(", ".join(tags))
            expect(self.tags_to_add).to_have_text([f"#{tag}" for tag in tags])

    def share(self) -> None:
        """Press "Share moment"; what follows (the watch page, or an error) is for the test to expect."""
        self.share_button.click()

    def upload(self, video: Path, title: str, *, description: str = "", tags: Sequence[str] = ()) -> str:
        """Share ``video`` as a moment and wait for its watch page; returns the new moment's id."""
        self.fill(video, title, description=description, tags=tags)
        self.share()
        expect(self.page).to_have_url(re.compile(r"/moments/watch/?\?id=[\w-]+"), timeout=60_000)
        # The URL changes first; the form may still be on screen until the watch page shows the moment.
        expect(self.page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        return parse_qs(urlparse(self.page.url).query)["id"][0]

    def watch_upload_progress(self) -> None:
        """Record every percentage the upload shows (a small file is over in a blink)."""
        watch_upload_progress(self.page)

    def upload_progress_seen(self) -> list[str]:
        return upload_progress_seen(self.page)

    def percent_shown(self) -> int:
        return int(self.progress.get_attribute("aria-valuenow") or 0)

    def file_error(self, text: str) -> Locator:
        """The message tied to the video input (its accessible description)."""
        return self.page.locator("#moment-file-error").filter(has_text=text)


class TagsPage(AppPage):
    path = "/moments/tags"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.list = page.get_by_role("list", name="Tags", exact=True)
        self.rows = self.list.get_by_role("listitem")
        self.no_tags = page.get_by_text("No tags yet")
        self.not_paired = page.get_by_text(NOT_PAIRED)
        self.ready = self.list.or_(self.no_tags).or_(self.not_paired)

    def row(self, name: str) -> Locator:
        return self.rows.filter(has=self.page.get_by_role("link", name=f"#{name}", exact=True))

    def expect_tag(self, name: str, moments: int) -> None:
        expect(self.row(name)).to_contain_text("1 moment" if moments == 1 else f"{moments} moments")

    def dialog(self, name: str) -> Locator:
        return self.page.get_by_role("alertdialog", name=f"Delete the tag #{name}?")

    def open_tag(self, name: str) -> TagPage:
        self.row(name).get_by_role("link").click()
        return TagPage(self.page).wait_until_ready()

    def delete(self, name: str) -> None:
        """Delete the tag, confirming in the dialog, which says it goes from every moment."""
        self.row(name).get_by_role("button", name=f"Delete tag {name}").click()
        dialog = self.dialog(name)
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("removed from every moment")
        dialog.get_by_role("button", name="Delete tag").click()
        expect(dialog).to_be_hidden()
        expect(self.notice(f"#{name} was removed from every moment.")).to_be_visible()


class TagPage(AppPage):
    path = "/moments/tag"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.moments = MomentGrid(page, page.get_by_role("region", name=re.compile(r"^Moments tagged ")))
        self.no_such_tag = page.get_by_text("There's no such tag")
        self.nothing = page.get_by_text("No moments carry this tag").or_(self.no_such_tag)
        self.not_paired = page.get_by_text(NOT_PAIRED)
        self.ready = self.moments.grid.or_(self.nothing).or_(self.not_paired)

    def open_slug(self, slug: str) -> Self:
        self.page.goto(f"{self.path}?slug={quote(slug, safe='')}")
        return self.wait_until_ready()

    def heading(self, name: str) -> Locator:
        return self.page.get_by_role("heading", name=f"#{name}", exact=True)
