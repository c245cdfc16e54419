"""The music pages: songs, uploading, albums and an album, artists and an artist."""

from lumi_app.pages.music import songs, upload

__all__ = ["songs", "upload"]
