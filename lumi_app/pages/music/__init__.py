"""The music pages: songs, uploading, albums and an album, artists and an artist, stats, searching."""

from lumi_app.pages.music import album, albums, artist, artists, search, songs, stats, upload

__all__ = ["album", "albums", "artist", "artists", "search", "songs", "stats", "upload"]
