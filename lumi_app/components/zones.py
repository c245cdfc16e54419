"""Time zones a person can choose (for when affirmations and date reminders come): every IANA
zone with a region ("Europe/Paris"), offered as a datalist under a text input, so the person
can type a few letters of their city instead of scrolling through hundreds."""

from __future__ import annotations

from zoneinfo import available_timezones

import reflex as rx

ZONES: tuple[str, ...] = tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")))


def zone_datalist(list_id: str) -> rx.Component:
    """The zones as suggestions for an input with ``list=list_id``."""
    return rx.el.datalist(*[rx.el.option(value=zone) for zone in ZONES], id=list_id)
