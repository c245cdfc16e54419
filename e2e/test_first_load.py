"""A new visitor's first page is light: the landing page's scripts and styles arrive compressed
and within a budget, and the helpers in the head never hold up its first paint.

The budgets guard what bench/lighthouse.py measured (about 205 KB of scripts and styles sent,
1.2 MB decoded, where it was 1.56 MB sent uncompressed before); the benchmark gives the
Lighthouse figures themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Response

from e2e.pages import LandingPage
from e2e.people import PHONE, Person
from tools.system import LumiSystem

# Scripts and stylesheets of the landing page, as sent (compressed) and as the browser decodes them.
SENT_BUDGET = 260 * 1024
DECODED_BUDGET = 1400 * 1024
EXPORT_COMPRESSES_FROM = 256  # bytes (MIN_SIZE of Reflex's compress-static.js)
HELPERS = (
    "lumi-pwa.js",
    "lumi-presence.js",
    "lumi-autoload.js",
    "lumi-upload.js",
    "lumi-chat.js",
    "lumi-toasts.js",
    "lumi-music-upload.js",
    "lumi-player.js",
)


def test_the_landing_page_sends_its_scripts_and_styles_compressed_within_budget(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given a new visitor on a phone, who has never been here
    ivy = new_person("Ivy", PHONE)
    responses: list[Response] = []
    ivy.page.on("response", lambda response: responses.append(response))

    # when she opens Lumi
    LandingPage(ivy.page).open()
    ivy.page.wait_for_load_state("load")

    # then every script and stylesheet of the app came brotli-compressed (but the few of less
    # than 256 bytes, which the export leaves as they are)
    code = [
        r for r in responses if r.request.resource_type in ("script", "stylesheet") and r.url.startswith(lumi.app_url)
    ]
    assert len(code) >= 5, [r.url for r in code]
    plain = [
        urlsplit(r.url).path
        for r in code
        if r.header_value("content-encoding") != "br" and len(r.body()) >= EXPORT_COMPRESSES_FROM
    ]
    assert plain == [], f"sent without compression: {plain}"
    assert all(r.header_value("vary") == "Accept-Encoding" for r in code if r.header_value("content-encoding"))

    # and the page's code stays within its budget, sent and decoded
    sent = sum(r.request.sizes()["responseBodySize"] for r in code)
    decoded = sum(len(r.body()) for r in code)
    assert sent <= SENT_BUDGET, f"{sent / 1024:.0f} KB sent > {SENT_BUDGET / 1024:.0f} KB"
    assert decoded <= DECODED_BUDGET, f"{decoded / 1024:.0f} KB decoded > {DECODED_BUDGET / 1024:.0f} KB"

    # and hashed bundles may be kept a year, the page itself is asked for again each time
    bundle = next(r for r in code if urlsplit(r.url).path.startswith("/assets/"))
    assert bundle.header_value("cache-control") == "public, max-age=31536000, immutable"
    page = next(r for r in responses if r.request.resource_type == "document")
    assert page.header_value("cache-control") == "no-cache"


def test_no_helper_script_holds_up_the_first_paint(lumi: LumiSystem, new_person: Callable[..., Person]) -> None:
    ivy = new_person("Ivy", PHONE)
    html = ivy.context.request.get(f"{lumi.app_url}/").text()
    head = html.split("</head>", 1)[0]

    # the visit key is set by code in the page itself, before the app's own scripts
    assert "lumi-visit.js" not in html
    assert "window.lumiVisit" in head

    # and every other helper is in the head, deferred
    for helper in HELPERS:
        tag = re.search(rf"<script[^>]*src=\"/{re.escape(helper)}\"[^>]*>", head)
        assert tag is not None, f"{helper} is not in the head"
        assert "defer" in tag.group(0), tag.group(0)

    # and they run: the service worker helper is there once the page has loaded
    LandingPage(ivy.page).open()
    ivy.page.wait_for_function("() => typeof window.lumiPush === 'object' && typeof window.lumiUpload === 'object'")
