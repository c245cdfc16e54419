"""Page objects for the music library: the songs list (sort, filter, a song's menu and its edit
and delete dialogs), uploading several songs, albums and an album, and Settings → Music; and
the song files a test uploads (real audio made with ffmpeg and tagged with mutagen, through
the demo seed's own functions)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from backend.local.demo_music import DemoSong, make_demo_song
from e2e.pages import AppPage

# A song's job (probe, tags, rendition, loudness, peaks) takes a few seconds on a busy machine.
READY_MS = 60_000


def make_song(
    directory: Path,
    index: int,
    title: str,
    artist: str,
    album: str,
    fmt: str = "mp3",
    cover: tuple[int, int, int] | None = None,
) -> Path:
    """A 4-second tagged song (a sine chord) in ``directory``, with cover art of that colour if given."""
    sound = f"sine=frequency={220 + 55 * index}:duration=4"
    song = DemoSong(title, artist, album, index, 2024, "Test", sound, fmt, 0, cover=cover)
    return make_demo_song(directory, index, song)


def make_not_a_song(directory: Path, name: str = "notes.mp3") -> Path:
    """A text file named like a song: the browser takes it for MP3, the API refuses it."""
    path = directory / name
    path.write_text("These are not the songs you are looking for.\n" * 200)
    return path


def make_picture(directory: Path, colour: tuple[int, int, int] = (230, 120, 40)) -> Path:
    """A small PNG of one colour, for a cover."""
    path = directory / "cover.png"
    Image.new("RGB", (48, 48), colour).save(path, "PNG")
    return path


class SongsPage(AppPage):
    path = "/music"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.tabs = page.get_by_role("navigation", name="Music")
        self.sort = page.get_by_label("Sort by")
        self.filters = page.get_by_role("group", name="Show")
        self.list = page.get_by_role("list", name="Songs")
        self.rows = self.list.get_by_role("listitem")
        self.empty = page.get_by_text("No songs yet — upload your first")
        self.ready = self.list.or_(self.empty)
        self.dialog = page.get_by_role("dialog")
        self.confirm = page.get_by_role("alertdialog")

    def row(self, title: str) -> Locator:
        return self.rows.filter(has=self.page.get_by_role("button", name=f"More for {title}", exact=True))

    def expect_titles(self, *titles: str) -> None:
        """The list shows exactly these songs, in this order."""
        expect(self.rows).to_have_count(len(titles))
        for index, title in enumerate(titles):
            expect(self.rows.nth(index).get_by_role("button", name=f"More for {title}", exact=True)).to_be_visible()

    def sort_by(self, label: str) -> None:
        self.sort.select_option(label=label)

    def menu(self, title: str, item: str) -> None:
        """Open the song's "More" menu with the keyboard and choose ``item``."""
        self.page.get_by_role("button", name=f"More for {title}", exact=True).focus()
        self.page.keyboard.press("Enter")
        self.page.get_by_role("menuitem", name=item).click()

    def edit_title(self, title: str, new_title: str) -> None:
        self.menu(title, "Edit details")
        expect(self.dialog).to_be_visible()
        field = self.dialog.get_by_label("Title")
        expect(field).to_have_value(title)
        field.fill(new_title)
        self.dialog.get_by_role("button", name="Save").click()
        expect(self.dialog).to_be_hidden()

    def open_edit(self, title: str) -> Locator:
        """Open the song's edit dialog; returns its cover group (picture, "Change cover"…)."""
        self.menu(title, "Edit details")
        expect(self.dialog).to_be_visible()
        return self.dialog.get_by_role("group", name="Cover")

    def change_cover(self, picture: Path) -> None:
        """In the open edit dialog: choose the picture and press "Change cover"."""
        self.dialog.get_by_label("Cover picture").set_input_files(picture)
        self.dialog.get_by_role("button", name="Change cover").click()

    def close_dialog(self) -> None:
        self.page.keyboard.press("Escape")
        expect(self.dialog).to_be_hidden()

    def delete(self, title: str) -> None:
        self.menu(title, "Delete")
        expect(self.confirm).to_contain_text(f"Delete “{title}”?")
        self.confirm.get_by_role("button", name="Delete").click()
        expect(self.confirm).to_be_hidden()


class MusicUploadPage(AppPage):
    path = "/music/upload"

    _WATCH = """() => {
        const seen = (window.__lumiMusicProgress = []);
        const look = () => {
            document.querySelectorAll("progress[aria-label^='Upload of ']").forEach(bar => {
                const entry = `${bar.getAttribute("aria-label").slice(10)} ${bar.getAttribute("aria-valuenow") ?? "-"}`;
                if (!seen.includes(entry)) seen.push(entry);
            });
        };
        new MutationObserver(look).observe(document.body, {
            subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"],
        });
    }"""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.files = page.get_by_label("Song files")
        self.usage = page.get_by_text(re.compile(r" of \d+(\.\d)? GB used"))
        self.uploads = page.get_by_role("list", name="Uploads").get_by_role("listitem")
        self.ready = self.files

    def choose(self, *files: Path) -> None:
        """Choose the files together; from now on every percentage their bars show is recorded."""
        self.page.evaluate(self._WATCH)
        self.files.set_input_files(list(files))

    def row(self, file: Path) -> Locator:
        return self.uploads.filter(has_text=file.name)

    def progress_seen(self) -> list[str]:
        """ "<file name> <percent>" for each value a file's progress bar showed."""
        return self.page.evaluate("window.__lumiMusicProgress ?? []")


class AlbumsPage(AppPage):
    path = "/music/albums"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.grid = page.get_by_role("list", name="Albums")
        self.ready = self.grid.or_(page.get_by_text("No albums yet"))

    def open_album(self, name: str) -> Locator:
        self.grid.get_by_role("link", name=re.compile(rf"^{re.escape(name)}")).click()
        heading = self.page.get_by_role("heading", name=name, level=2)
        expect(heading).to_be_visible()
        return self.page.get_by_role("list", name="Songs of the album").get_by_role("listitem")


class MusicSettingsPage(AppPage):
    path = "/settings/music"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.storage = page.get_by_role("region", name="Music storage")
        self.ready = self.storage


_NAV_LABELS = """() => [...document.querySelectorAll("nav[aria-label='Main'] a")]
    .filter(link => link.offsetParent !== null)
    .map(link => {
        const label = link.querySelector("svg + *");
        const box = label.getBoundingClientRect();
        return [label.textContent, box.left, box.right];
    })"""


def bottom_bar_problems(page: Page) -> list[str]:
    """Labels of the phone's bottom bar that leave the screen or run into their neighbour."""
    labels = page.evaluate(_NAV_LABELS)
    width = page.evaluate("window.innerWidth")
    problems = [f"{name} leaves the screen" for name, left, right in labels if left < 0 or right > width]
    for (name, _, right), (after, left, _) in itertools.pairwise(labels):
        if right > left:
            problems.append(f"{name} runs into {after}")
    assert labels, "no bottom bar on this page"
    return problems
