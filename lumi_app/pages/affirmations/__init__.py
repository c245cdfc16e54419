"""Affirmations: the ones your partner wrote for you (and when they come), and yours for them."""

from lumi_app.pages.affirmations import received, write

__all__ = ["received", "write"]
