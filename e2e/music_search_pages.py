"""Page object of the music search (``/music/search``), and songs put in a person's library through
the real upload path (the music job makes them playable), without queueing them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from backend.contracts import AuthSession, LoginRequest, SongUpdate
from backend.local.demo_music import CONTENT_TYPES
from backend.local.seed import DemoUser, _check, _Person, _upload_song, _wait_until_processed
from e2e.pages import AppPage
from e2e.people import Person


def upload_songs(api_url: str, person: Person, files: list[Path], *, shared: bool = False) -> list[str]:
    """``person``'s songs from ``files`` (MP3), ready; shared with their partner if asked."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        login = LoginRequest(login=person.username, password=person.password)
        session = AuthSession.model_validate(_check(http.post("/auth/login", json=login.model_dump()), "login").json())
        uploader = _Person(http, session, DemoUser(person.username, person.name, person.email, person.password))
        song_ids = [_upload_song(uploader, http, path, CONTENT_TYPES["mp3"]) for path in files]
        deadline = time.monotonic() + 60
        statuses = [_wait_until_processed(uploader, song_id, deadline) for song_id in song_ids]
        assert statuses == ["ready"] * len(song_ids), f"the music job left the songs {statuses}"
        if shared:
            for song_id in song_ids:
                change = SongUpdate(visibility="partner").model_dump(mode="json", exclude_unset=True)
                _check(uploader.patch(f"/music/songs/{song_id}", change), "sharing a song")
    return song_ids


class MusicSearchPage(AppPage):
    path = "/music/search"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.field = page.get_by_role("searchbox", name="Search your music")
        self.ready = self.field
        self.results = page.locator("#music-search-results")
        self.songs = page.get_by_role("list", name="Songs found").get_by_role("listitem")
        self.albums = page.get_by_role("list", name="Albums found").get_by_role("listitem")
        self.artists = page.get_by_role("list", name="Artists found").get_by_role("listitem")
        self.hint = page.get_by_text("Find songs, albums, artists and playlists — typos are fine")

    def type(self, text: str) -> None:
        """Type as a person does, a key at a time (results come as they type, no Enter)."""
        self.field.press_sequentially(text, delay=60)

    def clear_and_type(self, text: str) -> None:
        self.field.fill("")
        self.type(text)

    def song_button(self, title: str) -> Locator:
        return self.page.get_by_role("list", name="Songs found").get_by_role("button", name=f"Play {title}", exact=True)

    def expect_first_song(self, title: str) -> None:
        expect(self.songs.first.get_by_role("button", name=f"Play {title}", exact=True)).to_be_visible()

    def nothing_matches(self, text: str) -> Locator:
        return self.results.get_by_text(f"Nothing matches “{text}”")
