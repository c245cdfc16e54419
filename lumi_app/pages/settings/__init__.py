"""Settings and its sub-pages (account, security, notifications, appearance, relationship)."""

from lumi_app.pages.settings import account, appearance, index, notifications, relationship, security

__all__ = ["account", "appearance", "index", "notifications", "relationship", "security"]
