"""Settings and its sub-pages (account, security, notifications, appearance, relationship, dates, music)."""

from lumi_app.pages.settings import account, appearance, dates, index, music, notifications, relationship, security

__all__ = ["account", "appearance", "dates", "index", "music", "notifications", "relationship", "security"]
