"""The Lumi app: the ``rx.App`` with its head, and the pages (registered by importing them)."""

from __future__ import annotations

import reflex as rx

from lumi_app import pages  # noqa: F401  (importing registers every page)

THEME_COLOR = "#d6336c"

app = rx.App(
    head_components=[
        rx.el.meta(name="viewport", content="width=device-width, initial-scale=1, viewport-fit=cover"),
        rx.el.meta(name="theme-color", content=THEME_COLOR),
        rx.el.meta(name="description", content="Lumi: a private space for two partners, and your own music."),
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="apple-touch-icon", href="/icon-192.png"),
        rx.script(src="/lumi-upload.js"),
    ],
    html_lang="en",
)
