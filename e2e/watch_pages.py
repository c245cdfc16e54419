"""Page objects for watching a moment and chatting about it (``/moments/watch?id=…``).

The video is driven through its element (muted first, so the browser's autoplay policy lets a
script start it); everything else is found by role, label and text. Waits are ``expect``
assertions, or ``wait_for_function`` on the video's own state; nothing sleeps.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Locator, Page, expect

from e2e.pages import LIVE_MS, AppPage

# How long a new video may take to be checked by the media job (probe and thumbnail, on a busy machine).
PROCESSING_MS = 30_000
_PLAY_MUTED = "video => { video.muted = true; return video.play().then(() => true); }"
_SEEK = """([video, seconds]) => new Promise(resolve => {
    video.pause();
    video.addEventListener("seeked", () => resolve(video.currentTime), { once: true });
    video.currentTime = seconds;
})"""
_PLAYED_PAST = "([video, seconds]) => !video.paused && video.currentTime > seconds"


class WatchPage(AppPage):
    """One moment: its video, what it is about, the owner's Edit / Delete, and the chat beside it."""

    path = "/moments/watch"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.video = page.locator("main video")
        self.photo = page.locator("main img#moment-photo")
        self.preparing_photo = page.get_by_text("Preparing the photo…")
        # A video while the media job checks it, and one it found unplayable (with why).
        self.processing_video = page.get_by_text(re.compile(r"^Processing (your|the) video…$"))
        self.unplayable = page.get_by_text("This video can't be played", exact=True)
        self.failure_reason = page.locator("#moment-failure-reason")
        self.share_another = page.get_by_role("link", name="Share another video")
        self.edit_button = page.get_by_role("button", name="Edit", exact=True)
        self.delete_button = page.get_by_role("button", name="Delete", exact=True)
        self.edit_dialog = page.get_by_role("dialog", name="Edit moment")
        self.delete_dialog = page.get_by_role("alertdialog", name="Delete this moment?")
        self.tags = page.get_by_role("list", name="Tags")
        self.chat = page.get_by_role("region", name="Chat")
        self.messages = self.chat.get_by_role("list", name="Messages")
        self.items = self.messages.locator(":scope > li")
        self.composer = self.chat.get_by_role("textbox", name="Message", exact=True)
        self.send_button = self.chat.get_by_role("button", name="Send", exact=True)
        self.composer_form = self.chat.get_by_role("form", name="Send a message")
        self.hint = self.chat.get_by_text("Enter sends, Shift+Enter starts a new line.")
        self.bottom_bar = page.locator("nav[aria-label='Main']").filter(visible=True)
        self.load_earlier_button = self.chat.get_by_role("button", name="Load earlier messages")
        self.gone = page.get_by_text("This moment is gone")
        self.deleted = page.get_by_text("This moment was deleted")
        self.ready = self.chat.or_(self.gone).or_(self.deleted)

    def open_moment(self, moment_id: str) -> WatchPage:
        self.page.goto(f"{self.path}?id={quote(moment_id, safe='')}")
        return self.wait_until_ready()

    def moment_id(self) -> str:
        match = re.search(r"[?&]id=([^&#]+)", self.page.url)
        assert match, f"{self.page.url} names no moment"
        return match.group(1)

    def title(self, title: str) -> Locator:
        return self.page.get_by_role("heading", name=title, exact=True)

    # ------------------------------------------------------------ the photo

    def expect_photo(self, title: str, *, timeout: float | None = None) -> None:
        """The photo is shown (loaded), described by the moment's title."""
        expect(self.page.get_by_role("img", name=title, exact=True)).to_be_visible(timeout=timeout)
        self.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=self.photo.element_handle())

    def photo_size(self) -> tuple[int, int]:
        """The photo's own width and height, as the browser decoded it."""
        width, height = self.photo.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        return int(width), int(height)

    def scroll_chat_to(self, fraction_of_viewport: float) -> None:
        """Scroll the page so the chat's top sits that far down the viewport (0.4: a little above the middle)."""
        self.chat.evaluate(
            "(chat, fraction) => window.scrollBy(0, chat.getBoundingClientRect().top - window.innerHeight * fraction)",
            fraction_of_viewport,
        )

    # ------------------------------------------------------------ the video

    def expect_video(self, *, timeout: float = PROCESSING_MS) -> None:
        """The video is there with its source (once the media job found it playable: it shows live),
        and the browser has read its metadata (a real, playable file)."""
        expect(self.video).to_have_attribute("src", re.compile(r"^https?://"), timeout=timeout)
        self.page.wait_for_function("video => video.readyState >= 1 && video.duration > 0", arg=self._video_handle())

    def source(self) -> str:
        return self.video.evaluate("video => video.currentSrc")

    def current_time(self) -> float:
        return float(self.video.evaluate("video => video.currentTime"))

    def duration(self) -> float:
        return float(self.video.evaluate("video => video.duration"))

    def play(self) -> None:
        """Start the video (muted, as a script may) and wait until it is really playing: its time moves on."""
        start = self.current_time()
        self.video.evaluate(_PLAY_MUTED)
        self.page.wait_for_function(_PLAYED_PAST, arg=[self._video_handle(), start + 0.2], timeout=LIVE_MS)

    def seek(self, seconds: float) -> float:
        """Pause, jump to ``seconds`` and wait for the browser's "seeked"; the time it landed on."""
        return float(self.page.evaluate(_SEEK, [self._video_handle(), seconds]))

    def _video_handle(self):
        handle = self.video.element_handle()
        assert handle is not None
        return handle

    # ------------------------------------------------------------ the moment (owner)

    def edit_moment(self, *, title: str | None = None, description: str | None = None, tags: str | None = None) -> None:
        """Change what is given in the Edit dialog and save; waits until the dialog closes."""
        self.edit_button.click()
        expect(self.edit_dialog).to_be_visible()
        for label, value in (("Title", title), ("Description", description), ("Tags", tags)):
            if value is not None:
                self.edit_dialog.get_by_label(label, exact=True).fill(value)
        self.edit_dialog.get_by_role("button", name="Save changes").click()
        expect(self.edit_dialog).to_be_hidden()

    def tag_link(self, name: str) -> Locator:
        return self.tags.get_by_role("link", name=f"#{name}", exact=True)

    def delete_moment(self) -> None:
        """Delete the moment, confirming in the dialog; the owner lands on the Moments page."""
        self.delete_button.click()
        expect(self.delete_dialog).to_be_visible()
        self.delete_dialog.get_by_role("button", name="Delete moment").click()
        expect(self.page).to_have_url(re.compile(r"/moments/?$"))

    # ------------------------------------------------------------ the chat

    def message(self, text: str) -> Locator:
        """The chat message saying ``text`` (its list item: author, text, reactions, actions)."""
        return self.items.filter(has=self.page.get_by_text(text, exact=True))

    def send(self, text: str) -> None:
        """Type ``text`` and press Enter (as people do); it shows at once, then as sent."""
        self.composer.fill(text)
        self.composer.press("Enter")
        expect(self.composer).to_have_value("")
        self.expect_message(text)

    def type_slowly(self, text: str) -> None:
        """Type without sending, key by key, as a person does (the partner sees "… is typing")."""
        self.composer.press_sequentially(text, delay=60)

    def expect_message(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.message(text)).to_be_visible(timeout=timeout)

    def expect_messages_in_order(self, *texts: str) -> None:
        expect(self.items.filter(has_not_text="Message deleted")).to_have_text(
            [re.compile(re.escape(text)) for text in texts]
        )

    def react(self, text: str, emoji: str) -> None:
        """Open the reaction picker of the message ``text`` and choose ``emoji`` (again: take it back)."""
        self.message(text).get_by_role("button", name="React", exact=True).click()
        self.page.get_by_role("button", name=f"React with {emoji}", exact=True).click()

    def reactions(self, text: str) -> Locator:
        return self.message(text).get_by_role("list", name="Reactions")

    def expect_reaction(self, text: str, emoji: str, *, by: str | None = None, timeout: float | None = None) -> None:
        """``emoji`` shows under the message ``text`` (reacted by ``by``: "You" or the partner's name)."""
        reactions = self.reactions(text)
        expect(reactions).to_contain_text(emoji, timeout=timeout)
        if by is not None:
            expect(reactions.get_by_text(f"{by} reacted {emoji}", exact=True)).to_be_attached()

    def expect_no_reactions(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.reactions(text)).to_have_count(0, timeout=timeout)

    def edit_own(self, text: str, new_text: str) -> None:
        item = self.message(text)
        index = item.evaluate("li => Array.prototype.indexOf.call(li.parentElement.children, li)")
        item.get_by_role("button", name="Edit message").click()
        editing = self.items.nth(index)
        field = editing.get_by_role("textbox", name="Edit message")
        field.fill(new_text)
        field.press("Enter")
        expect(self.message(new_text)).to_contain_text("(edited)")

    def delete_own(self, text: str) -> None:
        item = self.message(text)
        index = item.evaluate("li => Array.prototype.indexOf.call(li.parentElement.children, li)")
        item.get_by_role("button", name="Delete message").click()
        expect(self.items.nth(index)).to_contain_text("Message deleted")
        expect(self.message(text)).to_have_count(0)

    def expect_typing(self, name: str, *, timeout: float | None = None) -> None:
        expect(self.chat.get_by_role("status").filter(has_text=f"{name} is typing…")).to_be_visible(timeout=timeout)

    def expect_not_typing(self, name: str, *, timeout: float | None = None) -> None:
        expect(self.chat.get_by_text(f"{name} is typing…")).to_have_count(0, timeout=timeout)

    def expect_receipt(self, status: str, *, timeout: float | None = None) -> None:
        """Under the person's own newest message: "Sent", "Delivered" or "Read"."""
        own = self.items.filter(has=self.page.get_by_text("You", exact=True)).last
        expect(own.get_by_text(status, exact=True)).to_be_visible(timeout=timeout)
