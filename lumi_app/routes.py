"""Every route of the app in one place, with small URL builders for the ones that take arguments."""

from __future__ import annotations

from urllib.parse import quote

LANDING = "/"
REGISTER = "/register"
LOGIN = "/login"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
# After signing up (or in) when the account must still confirm its e-mail with the code.
CONFIRM_EMAIL = "/confirm-email"
HOME = "/home"
PAIRING = "/pairing"
NOTIFICATIONS = "/notifications"
# Moments. Static hosting has one file per page, so ids travel in the query string.
MOMENTS = "/moments"
MOMENT_NEW = "/moments/new"
MOMENT_WATCH = "/moments/watch"
MOMENT_TAGS = "/moments/tags"
MOMENT_TAG = "/moments/tag"
# Affirmations: what the partner wrote and you received (with when they come), and your own.
AFFIRMATIONS = "/affirmations"
AFFIRMATIONS_RECEIVED = "/affirmations/received"
# The couple's dates: a month (``?month=YYYY-MM``) or a day (``?day=YYYY-MM-DD``, reminders link there).
DATES = "/dates"
# Music: my library (songs; albums; artists; one album or artist by ``?id=``), uploading, the queue.
MUSIC = "/music"
MUSIC_UPLOAD = "/music/upload"
MUSIC_ALBUMS = "/music/albums"
MUSIC_ALBUM = "/music/album"
MUSIC_ARTISTS = "/music/artists"
MUSIC_ARTIST = "/music/artist"
MUSIC_QUEUE = "/music/queue"
# What I listened to: time per day, a period's top songs, artists and albums, recently played.
MUSIC_STATS = "/music/stats"
# Searching the library (``?q=``: the search, kept so that back and reload keep it).
MUSIC_SEARCH = "/music/search"
# Playlists: mine and those my partner shares with me; one by ``?id=``.
MUSIC_PLAYLISTS = "/music/playlists"
MUSIC_PLAYLIST = "/music/playlist"
SETTINGS = "/settings"
SETTINGS_ACCOUNT = "/settings/account"
SETTINGS_SECURITY = "/settings/security"
SETTINGS_APPEARANCE = "/settings/appearance"
SETTINGS_RELATIONSHIP = "/settings/relationship"
SETTINGS_NOTIFICATIONS = "/settings/notifications"
SETTINGS_DATES = "/settings/dates"
SETTINGS_MUSIC = "/settings/music"
# Shown by the service worker when a page cannot be fetched (a static file, not a Reflex page).
OFFLINE = "/offline.html"

# Pages a person sees only when signed in; the others are public.
PROTECTED: frozenset[str] = frozenset(
    {
        HOME,
        PAIRING,
        NOTIFICATIONS,
        MOMENTS,
        MOMENT_NEW,
        MOMENT_WATCH,
        MOMENT_TAGS,
        MOMENT_TAG,
        AFFIRMATIONS,
        AFFIRMATIONS_RECEIVED,
        DATES,
        MUSIC,
        MUSIC_UPLOAD,
        MUSIC_ALBUMS,
        MUSIC_ALBUM,
        MUSIC_ARTISTS,
        MUSIC_ARTIST,
        MUSIC_QUEUE,
        MUSIC_STATS,
        MUSIC_SEARCH,
        MUSIC_PLAYLISTS,
        MUSIC_PLAYLIST,
        SETTINGS,
        SETTINGS_ACCOUNT,
        SETTINGS_SECURITY,
        SETTINGS_APPEARANCE,
        SETTINGS_RELATIONSHIP,
        SETTINGS_NOTIFICATIONS,
        SETTINGS_DATES,
        SETTINGS_MUSIC,
    }
)


def moment_url(moment_id: str) -> str:
    return f"{MOMENT_WATCH}?id={quote(moment_id, safe='')}"


def tag_url(slug: str) -> str:
    return f"{MOMENT_TAG}?slug={quote(slug, safe='')}"


def album_url(album_id: str) -> str:
    return f"{MUSIC_ALBUM}?id={quote(album_id, safe='')}"


def artist_url(artist_id: str) -> str:
    return f"{MUSIC_ARTIST}?id={quote(artist_id, safe='')}"


def playlist_url(playlist_id: str) -> str:
    return f"{MUSIC_PLAYLIST}?id={quote(playlist_id, safe='')}"


def normalize(path: str) -> str:
    """``/home/`` and ``/home`` are the same page (static hosting adds the slash)."""
    return path.split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"


def _page_with_query(path: str) -> str:
    """``/moments/watch/?id=x#y`` → ``/moments/watch?id=x``: the page and what it was asked for."""
    query = path.split("#", 1)[0].partition("?")[2]
    return normalize(path) + (f"?{query}" if query else "")


def login_url(next_path: str | None = None) -> str:
    """The sign-in page, remembering where to go afterwards (only protected pages of the app)."""
    if next_path and normalize(next_path) in PROTECTED:
        return f"{LOGIN}?next={quote(_page_with_query(next_path), safe='/')}"
    return LOGIN


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: a protected page of the app, else home (never another site)."""
    if next_path and next_path.startswith("/") and normalize(next_path) in PROTECTED:
        return _page_with_query(next_path)
    return HOME


def same_page(link: str, page_with_query: str) -> bool:
    """Whether a link leads to the page shown (``/moments/watch?id=x`` and ``/moments/watch/?id=x``)."""
    return bool(page_with_query) and _page_with_query(link) == _page_with_query(page_with_query)


def in_app_link(link: str | None, default: str = HOME) -> str:
    """A notification's link, if it is a path of this app (never another site: ``//x``, ``https:``)."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return default
    return link
