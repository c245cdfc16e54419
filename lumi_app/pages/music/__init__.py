"""The music pages: songs, uploading, albums and an album, artists and an artist, stats."""

from lumi_app.pages.music import album, albums, artist, artists, songs, stats, upload

__all__ = ["album", "albums", "artist", "artists", "songs", "stats", "upload"]
