"""What the affirmations pages and Home share: the view models, a received affirmation's card
with its heart, and the tabs between "For you" and "Yours for your partner"."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, tzinfo
from typing import Any

import reflex as rx

from backend.contracts import Affirmation, ReceivedAffirmation
from lumi_app import routes
from lumi_app.state.views import long_date

# 96 quarter hours: the times a daily affirmation can come at.
QUARTER_HOURS: tuple[str, ...] = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 15, 30, 45))


def times_label(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


@dataclasses.dataclass
class AffirmationView:
    """One of the person's own affirmations (for their partner), as the list shows it."""

    affirmation_id: str = ""
    text: str = ""
    sent: str = ""  # "Not sent yet" / "Sent 3 times, last on 2 December 2026"
    hearts: int = 0
    hearts_label: str = ""  # "Loved twice" / ""

    @classmethod
    def of(cls, affirmation: Affirmation) -> AffirmationView:
        if affirmation.times_delivered and affirmation.last_delivered_at:
            sent = (
                f"Sent {times_label(affirmation.times_delivered)}, "
                f"last on {long_date(affirmation.last_delivered_at.date())}"
            )
        else:
            sent = "Not sent yet"
        hearts = affirmation.hearts
        return cls(
            affirmation_id=affirmation.affirmation_id,
            text=affirmation.text,
            sent=sent,
            hearts=hearts,
            hearts_label=f"Loved {times_label(hearts)}" if hearts else "",
        )


@dataclasses.dataclass
class ReceivedView:
    """An affirmation the person received, as their list and Home show it."""

    delivery_id: str = ""
    text: str = ""
    writer_name: str = ""
    day: str = ""  # "Today", "Yesterday", "12 November"
    first_of_day: bool = False  # a day heading goes above it
    at: str = ""  # "09:00", in the viewer's zone
    hearted: bool = False
    sent_now: bool = False  # sent at once, not the daily one

    @classmethod
    def of(cls, received: ReceivedAffirmation, zone: tzinfo, today: date) -> ReceivedView:
        return cls(
            delivery_id=received.delivery_id,
            text=received.text,
            writer_name=received.writer_name,
            day=day_label(received.local_date, today),
            at=received.delivered_at.astimezone(zone).strftime("%H:%M"),
            hearted=received.hearted,
            sent_now=received.kind == "now",
        )


def day_label(day: date, today: date) -> str:
    """ "Today", "Yesterday", "12 November", "12 November 2025" (the recipient's own dates)."""
    if day == today:
        return "Today"
    if (today - day).days == 1:
        return "Yesterday"
    return f"{day.day} {day:%B}" + ("" if day.year == today.year else f" {day.year}")


def with_day_headings(views: list[ReceivedView]) -> list[ReceivedView]:
    """Mark the first of each day (the list is newest first), for its heading."""
    marked: list[ReceivedView] = []
    previous = ""
    for view in views:
        marked.append(dataclasses.replace(view, first_of_day=view.day != previous))
        previous = view.day
    return marked


def local_today(zone: tzinfo, now: datetime | None = None) -> date:
    return (now or datetime.now(zone)).astimezone(zone).date()


# ---------------------------------------------------------------- pieces


def heart_button(view: Any, on_click: Any) -> rx.Component:
    """Love it (or take it back): a toggle button named for what it does."""
    return rx.icon_button(
        rx.icon("heart", size=18, fill=rx.cond(view.hearted, "currentColor", "none")),
        on_click=on_click,
        variant=rx.cond(view.hearted, "solid", "soft"),
        color_scheme="pink",
        aria_pressed=rx.cond(view.hearted, "true", "false"),
        aria_label=rx.cond(view.hearted, "Take back your heart", "Love this"),
        title=rx.cond(view.hearted, "Take back your heart", "Love this"),
    )


def received_card(view: Any, on_heart: Any) -> rx.Component:
    """One received affirmation: the words, who wrote them and when they came, and its heart."""
    return rx.el.article(
        rx.hstack(
            rx.vstack(
                rx.text(view.text, size="4", white_space="pre-wrap", overflow_wrap="anywhere"),
                rx.text(
                    "From ",
                    view.writer_name,
                    " · ",
                    view.at,
                    rx.cond(view.sent_now, " · sent just for you", ""),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            heart_button(view, on_heart),
            align="start",
            spacing="3",
            width="100%",
        ),
        aria_label=view.text,
        padding="1rem",
        border_radius="var(--radius-4)",
        background=rx.color("pink", 2),
        border=f"1px solid {rx.color('pink', 5)}",
        width="100%",
    )


def affirmation_tabs(current: str) -> rx.Component:
    """ "For you" and "Yours for your partner": the two pages of affirmations."""

    def tab(label: str, route: str) -> rx.Component:
        here = route == current
        return rx.link(
            label,
            href=route,
            aria_current="page" if here else "false",
            padding="0.4rem 0.8rem",
            border_radius="var(--radius-3)",
            underline="none",
            weight="medium",
            color=rx.color("accent", 11) if here else rx.color("gray", 11),
            background=rx.color("accent", 3) if here else "transparent",
        )

    return rx.el.nav(
        rx.hstack(
            tab("For you", routes.AFFIRMATIONS_RECEIVED),
            tab("Yours for your partner", routes.AFFIRMATIONS),
            spacing="2",
            wrap="wrap",
        ),
        aria_label="Affirmations",
    )


__all__ = [
    "QUARTER_HOURS",
    "AffirmationView",
    "ReceivedView",
    "affirmation_tabs",
    "day_label",
    "heart_button",
    "local_today",
    "received_card",
    "with_day_headings",
]
