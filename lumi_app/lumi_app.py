"""The Lumi app: the ``rx.App`` with its PWA head, and the pages (registered by importing them).

The head links the web app manifest and loads the small helpers from ``assets/``, in the pages'
HTML so that the browser fetches them at once, ``defer`` so that none holds up the first paint
(bench/lighthouse.py measures it): ``lumi-visit.js`` (inline, not deferred: it must run before
the app's first event) gives each page visit a key (``lumi_app/state/visit.py``),
``lumi-pwa.js`` registers the service worker (``/sw.js``, scope ``/``) and handles Web Push,
``lumi-presence.js`` tells the backend whether the tab is in use, ``lumi-autoload.js`` loads
the next page of endless lists, ``lumi-music-search.js`` gives the music search its keys,
``lumi-upload.js`` sends files straight to storage (with progress and cancel;
``lumi-music-upload.js`` many songs at once),
``lumi-chat.js`` handles the moment chat's keyboard, scrolling, typing and read signals,
``lumi-toasts.js`` holds an alert while the person types where it would show,
``lumi-player.js`` fetches the music player (``lumi-player-core.js``) once there is something to play,
``lumi-playlist-drag.js`` reorders an open playlist by dragging (mouse or touch).
"""

from __future__ import annotations

import re
from pathlib import Path

import reflex as rx
from reflex_components_sonner.toast import ToastProps

from lumi_app import pages  # noqa: F401  (importing registers every page)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
THEME_COLOR = "#d6336c"
HELPERS = (
    "lumi-pwa.js",
    "lumi-presence.js",
    "lumi-autoload.js",
    "lumi-music-search.js",
    "lumi-upload.js",
    "lumi-chat.js",
    "lumi-toasts.js",
    "lumi-music-upload.js",
    "lumi-player.js",
    "lumi-playlist-drag.js",
)


def inline_script(path: Path) -> str:
    """A helper's code to put in the page itself, without its opening comment."""
    return re.sub(r"\A\s*/\*.*?\*/\s*", "", path.read_text(), count=1, flags=re.DOTALL)


# While the music player's bar is on screen, alerts rise above it rather than cover its controls:
# the bar is 64 px over a phone's 64 px bottom navigation (below 768 px) and 84 px along a
# desktop's bottom (components/player.py); sonner reads these offsets (the toaster below sets them
# inline, hence !important; its own phone layout starts below 600 px).
TOASTS_ABOVE_PLAYER_CSS = """
body:has(#lumi-player-bar) [data-sonner-toaster] {
  --mobile-offset-bottom: 144px !important;
  --offset-bottom: 108px !important;
}
@media (max-width: 767px) {
  body:has(#lumi-player-bar) [data-sonner-toaster] { --offset-bottom: 144px !important; }
}
"""


app = rx.App(
    head_components=[
        rx.el.meta(name="viewport", content="width=device-width, initial-scale=1, viewport-fit=cover"),
        rx.el.meta(name="theme-color", content=THEME_COLOR),
        rx.el.meta(name="description", content="Lumi: a private space for two partners, and your own music."),
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="apple-touch-icon", href="/icon-192.png"),
        # Inline in the pages' HTML, first: it must run before the app sends its first event, and
        # see the router's first navigation (and a file would hold up the first paint).
        rx.el.script(inline_script(ASSETS / "lumi-visit.js")),
        # The others in the HTML too, deferred: fetched at once beside the app's bundles, run
        # once the page is parsed, never holding up its first paint (rx.script would add them
        # only after the app started, with react-helmet in every page's bundle).
        *[rx.el.script(src=f"/{helper}", defer=True) for helper in HELPERS],
        rx.el.style(TOASTS_ABOVE_PLAYER_CSS),
    ],
    html_lang="en",
    # Alerts (live notifications) show at the bottom: at the bottom right of a desktop, above a
    # phone's bottom bar (64 px), so they never cover the header or a page's title; they wait
    # while the person types where they would show (lumi-toasts.js), and go after 4 s. Named
    # "Alerts" so the region is not confused with the bell or the notifications list.
    toaster=rx.toast.provider(
        position="bottom-right",
        offset="24px",
        visible_toasts=3,
        toast_options=ToastProps(duration=4000),
        custom_attrs={
            "mobileOffset": {"bottom": "80px", "left": "12px", "right": "12px"},
            "containerAriaLabel": "Alerts",
        },
    ),
)
