"""Every route of the app in one place, with small URL builders for the ones that take arguments."""

from __future__ import annotations

from urllib.parse import quote

LANDING = "/"
REGISTER = "/register"
LOGIN = "/login"
HOME = "/home"
PAIRING = "/pairing"
SETTINGS = "/settings"
SETTINGS_ACCOUNT = "/settings/account"
SETTINGS_SECURITY = "/settings/security"
SETTINGS_APPEARANCE = "/settings/appearance"
SETTINGS_RELATIONSHIP = "/settings/relationship"

# Pages a person sees only when signed in; the others are public.
PROTECTED: frozenset[str] = frozenset(
    {
        HOME,
        PAIRING,
        SETTINGS,
        SETTINGS_ACCOUNT,
        SETTINGS_SECURITY,
        SETTINGS_APPEARANCE,
        SETTINGS_RELATIONSHIP,
    }
)


def normalize(path: str) -> str:
    """``/home/`` and ``/home`` are the same page (static hosting adds the slash)."""
    return path.split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"


def login_url(next_path: str | None = None) -> str:
    """The sign-in page, remembering where to go afterwards (only protected pages of the app)."""
    if next_path and normalize(next_path) in PROTECTED:
        return f"{LOGIN}?next={quote(normalize(next_path), safe='/')}"
    return LOGIN


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: a protected page of the app, else home (never another site)."""
    if next_path and normalize(next_path) in PROTECTED:
        return normalize(next_path)
    return HOME
