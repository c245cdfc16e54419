"""The moment card and grid shared by the feed, search results, a tag's page and Home.

A card is one link to the watch page holding the preview (or, until there is one, a
placeholder: "Processing…" while the media job checks a video, "Preparing the photo…",
"Making the preview…"; or why it failed: a video that can't be played says why in the words
of the check), the title, who shared it and when. The grid fills the width with as many
columns of cards at least 280 px wide as fit: three or more on a desktop, one full-width
column on a phone, so nothing scrolls sideways.
The feed and a tag's page group their cards under day headings ("Today", "Yesterday",
"12 November") in the viewer's own time zone (``VisitState.time_zone``, from the browser).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, tzinfo
from typing import Any

import reflex as rx

from backend.contracts import Moment
from lumi_app import routes
from lumi_app.components.forms import busy_button, empty_state, link_button
from lumi_app.state.views import day_heading, time_ago

AUTOLOAD_ATTRIBUTE = "data-lumi-autoload"
PAGE_SIZE = 24  # moments per page of the feed and a tag's page
# At least three columns at 1280 px beside the 240 px sidebar (3 x 280 + gaps < 1008 px of
# content), one full-width column on a 390 px phone.
CARD_MIN_WIDTH = "280px"
# Home's short row of the latest moments keeps smaller cards (three fit its narrower column).
SMALL_CARD_MIN_WIDTH = "160px"


def duration_label(seconds: float) -> str:
    """0:07, 4:32, 1:02:03."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclasses.dataclass
class MomentCard:
    """What a card shows of a moment (state keeps these, not whole API payloads)."""

    moment_id: str = ""
    title: str = ""
    url: str = ""
    thumbnail_url: str = ""  # "" while the preview is being made
    owner_id: str = ""
    who: str = ""  # "You", or the partner's display name
    when: str = ""  # "2 h ago"
    created_at: str = ""  # ISO, for <time datetime>
    duration: str = ""  # "0:12"; "" for a photo, and for a video until it is checked
    tag_slugs: list[str] = dataclasses.field(default_factory=list)
    kind: str = "video"  # video | photo
    status: str = "ready"  # ready | processing | failed
    failure_reason: str = ""  # why a failed video can't be played ("Videos can be up to 10 minutes long.")
    day: str = ""  # "2026-11-12", the day it was shared in the viewer's time zone
    day_heading: str = ""  # "Today", "Yesterday", "12 November"

    @classmethod
    def of(cls, moment: Moment, viewer_id: str, zone: tzinfo | None = None, now: datetime | None = None) -> MomentCard:
        mine = moment.owner.user_id == viewer_id
        local = moment.created_at.astimezone(zone) if zone is not None else moment.created_at
        return cls(
            moment_id=moment.moment_id,
            title=moment.title,
            url=routes.moment_url(moment.moment_id),
            thumbnail_url=moment.thumbnail_url or "",
            owner_id=moment.owner.user_id,
            who="You" if mine else (moment.owner.display_name or moment.owner.username),
            when=time_ago(moment.created_at),
            created_at=moment.created_at.isoformat(),
            duration=duration_label(moment.duration_seconds)
            if moment.kind == "video" and moment.status == "ready"
            else "",
            tag_slugs=[tag.slug for tag in moment.tags],
            kind=moment.kind,
            status=moment.status,
            failure_reason=moment.failure_reason or "",
            day=local.date().isoformat(),
            day_heading=day_heading(moment.created_at, zone, now),
        )


@dataclasses.dataclass
class MomentDay:
    """The cards of one day, under its heading."""

    day: str = ""
    heading: str = ""
    cards: list[MomentCard] = dataclasses.field(default_factory=list)


def by_day(cards: list[MomentCard]) -> list[MomentDay]:
    """Newest-first cards grouped by the day they were shared (consecutive runs of one day)."""
    days: list[MomentDay] = []
    for card in cards:
        if days and days[-1].day == card.day:
            days[-1].cards.append(card)
        else:
            days.append(MomentDay(day=card.day, heading=card.day_heading, cards=[card]))
    return days


def replace_card(cards: list[MomentCard], card: MomentCard) -> tuple[list[MomentCard], bool]:
    """``cards`` with ``card`` in place of the one with its id, and whether it was there."""
    found = False
    updated: list[MomentCard] = []
    for existing in cards:
        if existing.moment_id == card.moment_id:
            updated.append(card)
            found = True
        else:
            updated.append(existing)
    return updated, found


def without_card(cards: list[MomentCard], moment_id: str) -> list[MomentCard]:
    return [card for card in cards if card.moment_id != moment_id]


def has_card(cards: list[MomentCard], moment_id: str) -> bool:
    return any(card.moment_id == moment_id for card in cards)


def with_page(cards: list[MomentCard], page: list[MomentCard], *, more: bool) -> list[MomentCard]:
    """A first page replaces what was shown; a later one goes below it, without cards already there
    (a live message may have brought one before its page did)."""
    if not more:
        return page
    return cards + [card for card in page if not has_card(cards, card.moment_id)]


# ---------------------------------------------------------------- components


def _placeholder(card: MomentCard) -> rx.Component:
    """Until the preview is made: a video being checked, or a frame or a photo's renditions being
    made (or why there are none)."""
    failed = rx.vstack(
        rx.cond(
            card.kind == "photo",
            rx.fragment(
                rx.icon("image-off", size=20, color=rx.color("gray", 11)),
                rx.text("This photo couldn't be prepared", size="1", color=rx.color("gray", 11)),
            ),
            rx.fragment(
                rx.icon("video-off", size=20, color=rx.color("red", 11)),
                rx.text("This video can't be played", size="1", weight="medium", color=rx.color("red", 11)),
                rx.text(card.failure_reason, size="1", color=rx.color("gray", 11)),
            ),
        ),
        align="center",
        spacing="1",
        padding="0.5rem",
        text_align="center",
    )
    working = rx.vstack(
        rx.spinner(size="2"),
        rx.text(
            rx.cond(
                card.kind == "photo",
                "Preparing the photo…",
                rx.cond(card.status == "processing", "Processing…", "Making the preview…"),
            ),
            size="1",
            color=rx.color("gray", 11),
        ),
        align="center",
        spacing="2",
    )
    return rx.center(
        rx.cond(card.status == "failed", failed, working),
        width="100%",
        height="100%",
        background=rx.color("accent", 3),
    )


def _preview(card: MomentCard) -> rx.Component:
    return rx.cond(
        card.thumbnail_url != "",
        rx.image(
            src=card.thumbnail_url,
            alt="Preview of " + card.title,
            width="100%",
            height="100%",
            object_fit="cover",
            loading="lazy",
            display="block",
        ),
        _placeholder(card),
    )


def moment_card(card: MomentCard, title_level: str = "h3") -> rx.Component:
    """One moment in a grid: the whole card is a single link to its watch page."""
    return rx.el.li(
        rx.link(
            rx.box(
                _preview(card),
                rx.cond(
                    card.duration != "",
                    rx.text(
                        card.duration,
                        size="1",
                        weight="medium",
                        position="absolute",
                        right="0.4rem",
                        bottom="0.4rem",
                        padding="0 0.35rem",
                        border_radius="var(--radius-2)",
                        background="rgba(0, 0, 0, 0.65)",
                        color="white",
                    ),
                ),
                position="relative",
                aspect_ratio="16 / 9",
                overflow="hidden",
                border_radius="var(--radius-3)",
                background=rx.color("gray", 3),
            ),
            rx.heading(
                card.title,
                as_=title_level,
                size="2",
                weight="medium",
                margin_top="0.5rem",
                color=rx.color("gray", 12),
                overflow_wrap="anywhere",
            ),
            rx.text(
                card.who,
                " · ",
                rx.el.time(card.when, date_time=card.created_at),
                size="1",
                color=rx.color("gray", 11),
                as_="p",
            ),
            href=card.url,
            underline="none",
            display="block",
            padding="0.4rem",
            border_radius="var(--radius-4)",
            _hover={"background": rx.color("gray", 3)},
            _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "2px"},
        ),
        # Keyed by id: a live moment is put on top, and every card keeps its own preview.
        key=card.moment_id,
        list_style="none",
        min_width="0",
    )


def moment_grid(
    cards: rx.Var[list[MomentCard]],
    label: str | rx.Var[str],
    *,
    min_width: str = CARD_MIN_WIDTH,
    title_level: str = "h3",
) -> rx.Component:
    """The cards in as many columns of at least ``min_width`` as fit the width (one on a phone)."""
    return rx.el.ul(
        rx.foreach(cards, lambda card: moment_card(card, title_level)),
        aria_label=label,
        display="grid",
        grid_template_columns=f"repeat(auto-fill, minmax(min(100%, {min_width}), 1fr))",
        gap="1rem",
        padding="0",
        margin="0",
        width="100%",
    )


def moments_by_day(days: rx.Var[list[MomentDay]], label: str | rx.Var[str]) -> rx.Component:
    """The cards under day headings (newest day first): a region per day, each a grid of its cards."""

    def one_day(day: MomentDay) -> rx.Component:
        heading_id = "day-" + day.day
        return rx.el.section(
            rx.heading(day.heading, as_="h3", size="3", id=heading_id, color=rx.color("gray", 11)),
            moment_grid(day.cards, day.heading, title_level="h4"),
            aria_labelledby=heading_id,
            key=day.day,
            display="flex",
            flex_direction="column",
            gap="0.6rem",
            width="100%",
        )

    return rx.el.section(
        rx.foreach(days, one_day),
        aria_label=label,
        display="flex",
        flex_direction="column",
        gap="1.5rem",
        width="100%",
    )


def load_more(has_more: rx.Var[bool], busy: rx.Var[bool], on_click: Any, end_text: str) -> rx.Component:
    """The button endless scrolling presses (``assets/lumi-autoload.js``), or the end of the list."""
    return rx.cond(
        has_more,
        rx.center(
            busy_button(
                "Load more",
                busy,
                on_click=on_click,
                variant="soft",
                custom_attrs={AUTOLOAD_ATTRIBUTE: "true"},
            ),
            width="100%",
        ),
        rx.text(end_text, size="1", color_scheme="gray", text_align="center", width="100%"),
    )


def loading(text: str = "Loading…") -> rx.Component:
    return rx.hstack(rx.spinner(), rx.text(text, color_scheme="gray"), role="status", align="center")


def icon_link(icon: str, label: str, href: str) -> rx.Component:
    """A small text link with an icon before it, on one line."""
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label), align="center", spacing="1"),
        href=href,
        size="2",
    )


def not_paired_state(text: str) -> rx.Component:
    """What the couple's pages show a person without a partner: why, and the way to pair."""
    return empty_state(
        "heart-handshake",
        "Moments are for two",
        text,
        link_button("Pair with your partner", routes.PAIRING),
    )
