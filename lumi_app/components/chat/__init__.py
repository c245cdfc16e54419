"""The chat about a moment: a component with its own state (``ChatState``), for any page that
shows a moment (today the watch page; a photo and a video have the same chat)."""

from lumi_app.components.chat.state import CHAT_PAGE_SIZE, ChatState
from lumi_app.components.chat.view import COMPOSER_ID, chat_panel

__all__ = ["CHAT_PAGE_SIZE", "COMPOSER_ID", "ChatState", "chat_panel"]
