"""Page objects of the playlists: the list (with "New playlist"), one playlist (its entries,
reorder by keyboard and by drag, the creator's menu), the "Add to playlist" dialog, and songs
put in a person's library quickly through the API (the real upload path and music job)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from backend.contracts import AuthSession, LoginRequest, SongUpdate
from backend.local.demo_music import CONTENT_TYPES
from backend.local.seed import DemoUser, _check, _Person, _upload_song, _wait_until_processed
from e2e.music_pages import SongsPage, make_song
from e2e.pages import LIVE_MS, AppPage
from e2e.people import Person


def give_songs(api_url: str, person: Person, directory: Path, titles: list[str], *, shared: bool) -> dict[str, str]:
    """Upload 4-second songs titled ``titles`` as ``person`` (shared with their partner when
    ``shared``); wait until the music job made them ready. Returns title → song id."""
    directory.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=api_url, timeout=30) as http:
        login = LoginRequest(login=person.username, password=person.password)
        session = AuthSession.model_validate(_check(http.post("/auth/login", json=login.model_dump()), "login").json())
        uploader = _Person(http, session, DemoUser(person.username, person.name, person.email, person.password))
        ids = {}
        for index, title in enumerate(titles):
            path = make_song(directory, index, title, f"{person.name} band", f"{person.name}'s album")
            ids[title] = _upload_song(uploader, http, path, CONTENT_TYPES["mp3"])
        deadline = time.monotonic() + 60
        statuses = [_wait_until_processed(uploader, song_id, deadline) for song_id in ids.values()]
        assert statuses == ["ready"] * len(ids), f"the music job left the songs {statuses}"
        if shared:
            for song_id in ids.values():
                update = SongUpdate(visibility="partner").model_dump(mode="json", exclude_unset=True)
                _check(uploader.patch(f"/music/songs/{song_id}", update), "sharing a song")
    return ids


class AddToPlaylistDialog:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialog = page.get_by_role("dialog", name="Add to playlist")

    def open_from_songs(self, songs: SongsPage, title: str) -> AddToPlaylistDialog:
        songs.menu(title, "Add to playlist…")
        expect(self.dialog).to_be_visible()
        return self

    def choice(self, playlist: str) -> Locator:
        return self.dialog.get_by_role("button", name=f"Add to {playlist}", exact=True)

    def add_to(self, playlist: str) -> None:
        self.choice(playlist).click()
        expect(self.dialog).to_be_hidden()  # once added
        expect(self.page.get_by_text(f"Added to {playlist}.").last).to_be_visible()


class PlaylistsPage(AppPage):
    path = "/music/playlists"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.list = page.get_by_role("list", name="Playlists")
        self.empty = page.get_by_text("No playlists yet", exact=True)
        self.ready = self.list.or_(self.empty)
        self.new_button = page.get_by_role("button", name="New playlist").first
        self.dialog = page.get_by_role("dialog", name="New playlist")

    def link(self, name: str) -> Locator:
        return self.list.get_by_role("link").filter(has_text=name)

    def create(self, name: str, description: str = "") -> PlaylistPage:
        self.new_button.click()
        expect(self.dialog).to_be_visible()
        self.dialog.get_by_label("Name").fill(name)
        if description:
            self.dialog.get_by_label("Description (optional)").fill(description)
        self.dialog.get_by_role("button", name="Create").click()
        playlist = PlaylistPage(self.page)
        expect(playlist.heading(name)).to_be_visible()
        return playlist


class PlaylistPage(AppPage):
    path = "/music/playlist?id=not-a-playlist"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.list = page.get_by_role("list", name="Songs of the playlist")
        self.entries = self.list.get_by_role("listitem")
        self.empty = page.get_by_text("No songs in this playlist yet")
        self.unknown = page.get_by_text("This playlist isn't here for you")
        self.ready = self.list.or_(self.empty).or_(self.unknown)
        self.more = page.get_by_role("button", name="More for this playlist")
        self.details = page.locator("#playlist-details")

    def heading(self, name: str) -> Locator:
        return self.page.get_by_role("heading", name=name, level=2)

    def entry(self, title: str) -> Locator:
        return self.entries.filter(has=self.page.get_by_text(title, exact=True))

    def expect_order(self, titles: list[str], timeout: float = LIVE_MS) -> None:
        expect(self.entries).to_have_text([re.compile(re.escape(title)) for title in titles], timeout=timeout)

    def creator_action(self, item: str) -> None:
        self.more.click()
        self.page.get_by_role("menuitem", name=item).click()

    def move_button(self, title: str, direction: str) -> Locator:
        return self.list.get_by_role("button", name=f"Move {title} {direction}", exact=True)

    def drag(self, title: str, onto: str) -> None:
        """Drag ``title``'s grip (pointer events, as a finger or mouse does) to ``onto``'s place."""
        handle = self.entry(title).locator("[data-playlist-handle]")
        target = self.entry(onto).bounding_box()
        box = handle.bounding_box()
        assert box is not None and target is not None
        mouse = self.page.mouse
        mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        mouse.down()
        end_y = target["y"] + target["height"] * (0.8 if target["y"] > box["y"] else 0.2)
        for step in range(1, 11):
            mouse.move(box["x"] + box["width"] / 2, box["y"] + (end_y - box["y"]) * step / 10)
        mouse.up()
