"""The Moments pages: the feed, uploading, watching with the chat, tags and a tag's moments."""

from lumi_app.pages.moments import feed, tag, tags, upload, watch

__all__ = ["feed", "tag", "tags", "upload", "watch"]
