"""Page objects of the music player: the bar every signed-in page has once there is a queue, the
queue page, and songs put in place through the real upload path (the music job makes them
playable), queued through the API."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from backend.contracts import AuthSession, LoginRequest, PlayerView, QueueAdd
from backend.local.demo_music import CONTENT_TYPES, DEMO_SONGS, make_demo_song
from backend.local.seed import DemoUser, _check, _Person, _upload_song, _wait_until_processed
from e2e.pages import AppPage
from e2e.people import Person

SONG_SECONDS = 60
# The seed's three MP3 demo songs (two with cover art), a minute long instead of 12 s: long
# enough to play on across a few pages.
SONGS = tuple(
    dataclasses.replace(song, sound=re.sub(r"\b(d=|duration=|t/)12\b", rf"\g<1>{SONG_SECONDS}", song.sound))
    for song in DEMO_SONGS
    if song.fmt == "mp3"
)


def make_song_files(directory: Path) -> list[Path]:
    return [make_demo_song(directory, index, song) for index, song in enumerate(SONGS)]


@dataclass
class Library:
    """A person's songs, uploaded as the browser does (presigned POST, confirm), and their player
    state as the API has it."""

    api_url: str
    person: Person
    titles: list[str]

    @contextlib.contextmanager
    def _signed_in(self) -> Iterator[tuple[httpx.Client, _Person]]:
        with httpx.Client(base_url=self.api_url, timeout=30) as http:
            login = LoginRequest(login=self.person.username, password=self.person.password)
            response = _check(http.post("/auth/login", json=login.model_dump()), "login")
            demo = DemoUser(self.person.username, self.person.name, self.person.email, self.person.password)
            yield http, _Person(http, AuthSession.model_validate(response.json()), demo)

    @classmethod
    def upload_and_queue(cls, api_url: str, person: Person, files: list[Path], wait_seconds: float = 60) -> Library:
        library = cls(api_url, person, [song.title for song in SONGS])
        with library._signed_in() as (http, uploader):
            song_ids = [_upload_song(uploader, http, path, CONTENT_TYPES["mp3"]) for path in files]
            deadline = time.monotonic() + wait_seconds
            statuses = [_wait_until_processed(uploader, song_id, deadline) for song_id in song_ids]
            assert statuses == ["ready"] * len(song_ids), f"the music job left the songs {statuses}"
            _check(
                uploader.post("/music/player/queue", QueueAdd(song_ids=song_ids).model_dump(mode="json")), "queueing"
            )
        return library

    def player(self) -> PlayerView:
        with self._signed_in() as (_, person):
            return PlayerView.model_validate(_check(person.get("/music/player"), "reading the player").json())

    def wait_until_saved(self, entry_id: str, near: float, timeout: float = 10) -> PlayerView:
        """The player state saved at ``entry_id``, within a second of ``near`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.player()
            state = view.state
            if state.current_entry_id == entry_id and abs(state.position_seconds - near) < 1:
                return view
            assert time.monotonic() < deadline, f"the player state was not saved: {state}"
            time.sleep(0.2)


class PlayerBar:
    """The bar at the bottom of every signed-in page once there is a queue; what the audio does is
    read from ``window.lumiPlayer`` (its ``state()`` and ``stats``)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.bar = page.get_by_role("region", name="Music player")
        self.seek_bar = self.bar.get_by_role("slider", name="Seek")
        self.play_button = self.bar.get_by_role("button", name=re.compile(r"^(Play|Pause)$")).locator("visible=true")
        self.next_button = self.bar.get_by_role("button", name="Next song").locator("visible=true")
        self.queue_link = self.bar.get_by_role("link", name=re.compile("queue", re.I)).locator("visible=true")

    def title(self, text: str) -> Locator:
        return self.bar.get_by_text(text, exact=True).locator("visible=true")

    def state(self) -> dict[str, Any]:
        return self.page.evaluate("window.lumiPlayer.state()")

    def stats(self) -> dict[str, list[float]]:
        return self.page.evaluate("JSON.parse(JSON.stringify(window.lumiPlayer.stats))")

    def wait_for(self, condition: str, arg: Any = None) -> None:
        """Until ``condition`` (a JS expression over ``s``, the player's state, and ``arg``) holds."""
        self.page.wait_for_function(f"arg => {{ const s = window.lumiPlayer.state(); return {condition}; }}", arg=arg)

    def expect_playing(self, past: float = 0.0) -> None:
        """The audio plays: its position moves past ``past`` seconds."""
        self.wait_for("s.playing && s.position > arg", past + 0.3)

    def mark_audio(self) -> None:
        """Remember the element playing now (a restarted player would be another one, or start over)."""
        self.page.evaluate("window.__lumiE2eAudio = [...document.querySelectorAll('audio')].find(a => !a.paused)")

    def same_audio_plays(self) -> bool:
        return self.page.evaluate("!!window.__lumiE2eAudio && !window.__lumiE2eAudio.paused")


class QueuePage(AppPage):
    path = "/music/queue"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.list = page.get_by_role("list", name="Queue")
        self.entries = self.list.get_by_role("listitem")
        self.empty = page.get_by_text("Nothing in your queue.")
        self.clear_button = page.get_by_role("button", name="Clear queue")

    def wait_until_ready(self) -> QueuePage:
        expect(self.list.or_(self.empty)).to_be_visible()
        return self

    def play(self, title: str) -> None:
        self.list.get_by_role("button", name=f"Play {title}", exact=True).click()

    def move_up(self, title: str) -> None:
        self.list.get_by_role("button", name=f"Move {title} up", exact=True).click()

    def drag(self, title: str, onto: str) -> None:
        """Drag ``title``'s entry onto ``onto``'s place."""
        self.entries.filter(has_text=title).drag_to(self.entries.filter(has_text=onto))

    def expect_order(self, titles: list[str]) -> None:
        expect(self.entries).to_have_text([re.compile(re.escape(title)) for title in titles])
