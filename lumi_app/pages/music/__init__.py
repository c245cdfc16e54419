"""The music pages: songs, uploading, albums and an album, artists and an artist."""

from lumi_app.pages.music import album, albums, artist, artists, songs, upload

__all__ = ["album", "albums", "artist", "artists", "songs", "upload"]
