"""Settings and its sub-pages (account, security, appearance, relationship)."""

from lumi_app.pages.settings import account, appearance, index, relationship, security

__all__ = ["account", "appearance", "index", "relationship", "security"]
