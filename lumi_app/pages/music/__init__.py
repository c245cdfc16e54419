"""The music pages: songs, uploading, albums and an album, artists and an artist, playlists and a
playlist, stats, searching."""

from lumi_app.pages.music import album, albums, artist, artists, playlist, playlists, search, songs, stats, upload

__all__ = ["album", "albums", "artist", "artists", "playlist", "playlists", "search", "songs", "stats", "upload"]
