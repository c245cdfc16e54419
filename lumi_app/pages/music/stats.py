"""Stats: what I listened to. Listening time per day over the last 30 days (a bar chart, with the
same numbers as a summary and a table for screen readers), a period (week, month, year, all
time) with its plays, listening time and top songs, artists and albums, and "Recently played",
newest first. A top song plays on click; artists and albums lead to their pages. The page
refreshes itself when a play of mine is recorded while it is open (see
``lumi_app/state/music_stats.py``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from lumi_app import routes
from lumi_app.components.forms import empty_state, form_error, link_button, section
from lumi_app.components.moments import load_more, loading
from lumi_app.components.music import music_tabs
from lumi_app.components.shell import page
from lumi_app.state.music_stats import MusicStatsState, RecentRow, TopRow
from lumi_app.state.player import PlayerState
from lumi_app.state.session import SessionState

EMPTY_TEXT = "Nothing played yet — songs count once you have heard half of them or 4 minutes."
ACCENT = rx.color("accent", 9)
# The switch's words: short, so the four fit a phone (the heading says "This week · …").
PERIOD_CHOICES = (("week", "Week"), ("month", "Month"), ("year", "Year"), ("all", "All time"))

# Hidden from sight, not from screen readers.
SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}


def _periods() -> rx.Component:
    return rx.segmented_control.root(
        *[rx.segmented_control.item(name, value=value) for value, name in PERIOD_CHOICES],
        value=MusicStatsState.period,
        on_change=MusicStatsState.set_period,
        aria_label="Period",
        size="2",
        width=rx.breakpoints(initial="100%", sm="auto"),
    )


def _total(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="6", weight="bold", font_variant_numeric="tabular-nums"),
        spacing="0",
    )


def _days_chart() -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(vertical=False, stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="label", tick_line=False, interval="preserveStartEnd", min_tick_gap=16),
        rx.recharts.y_axis(
            allow_decimals=False,
            width=36,
            tick_line=False,
            label={"value": "min", "angle": -90, "position": "insideLeft", "offset": 8},
        ),
        rx.recharts.graphing_tooltip(),
        # no animation: bars are there at once (and when the screen turns), nothing moves needlessly
        rx.recharts.bar(
            data_key="minutes", name="Minutes", fill=ACCENT, radius=[3, 3, 0, 0], is_animation_active=False
        ),
        data=MusicStatsState.chart,
        width="100%",
        height=200,
        margin={"top": 8, "right": 4, "bottom": 0, "left": 0},
        custom_attrs={"accessibilityLayer": False},
    )
    table = rx.el.table(
        rx.el.caption("Listening time per day, last 30 days"),
        rx.el.thead(
            rx.el.tr(rx.el.th("Day", scope="col"), rx.el.th("Time", scope="col"), rx.el.th("Plays", scope="col"))
        ),
        rx.el.tbody(
            rx.foreach(
                MusicStatsState.days,
                lambda day: rx.el.tr(rx.el.th(day.name, scope="row"), rx.el.td(day.time), rx.el.td(day.plays)),
            )
        ),
        style=SR_ONLY,
    )
    return section(
        "Last 30 days",
        rx.text(MusicStatsState.days_text, size="2", color_scheme="gray", id="music-days-summary"),
        rx.box(chart, aria_hidden="true", width="100%", min_width="0", data_testid="music-days-chart"),
        table,
        aria_label="Listening per day",
    )


def _play_item(song_id: Any, title: Any, detail: Any, aside: Any, **aside_props: Any) -> rx.Component:
    """A song that plays when pressed: its title and detail, and ``aside`` (its plays, or when)
    at the end."""
    return rx.el.li(
        rx.el.button(
            rx.vstack(
                rx.text(title, weight="medium", size="2", truncate=True, width="100%"),
                rx.text(detail, size="1", color_scheme="gray", truncate=True, width="100%"),
                spacing="0",
                min_width="0",
                flex="1",
                align="start",
            ),
            rx.text(aside, size="1", color_scheme="gray", flex_shrink="0", **aside_props),
            on_click=PlayerState.play_songs([song_id], 0),
            aria_label=f"Play {title}, {aside}",
            type="button",
            display="flex",
            align_items="center",
            gap="0.75rem",
            width="100%",
            min_height="44px",
            padding="0.35rem 0.5rem",
            text_align="left",
            background="transparent",
            border="none",
            border_radius="var(--radius-2)",
            cursor="pointer",
            color="inherit",
            _hover={"background": rx.color("gray", 3)},
        ),
        list_style="none",
    )


def _song_item(row: rx.Var[TopRow]) -> rx.Component:
    return _play_item(row.key, row.name, row.detail, row.plays_text)


def _link_item(row: rx.Var[TopRow]) -> rx.Component:
    """An artist or album: a bar of its plays behind its name, leading to its page."""
    return rx.el.li(
        rx.link(
            rx.box(
                position="absolute",
                inset="0",
                width=row.share.to_string() + "%",
                background=rx.color("accent", 3),
                border_radius="var(--radius-2)",
                aria_hidden="true",
            ),
            rx.vstack(
                rx.text(row.name, weight="medium", size="2", truncate=True, width="100%"),
                rx.cond(
                    row.detail != "", rx.text(row.detail, size="1", color_scheme="gray", truncate=True, width="100%")
                ),
                spacing="0",
                min_width="0",
                flex="1",
                position="relative",
            ),
            rx.text(row.plays_text, size="1", color_scheme="gray", flex_shrink="0", position="relative"),
            href=row.key,
            underline="none",
            color="inherit",
            display="flex",
            align_items="center",
            gap="0.75rem",
            position="relative",
            min_height="44px",
            padding="0.35rem 0.5rem",
        ),
        list_style="none",
    )


def _top_list(title: str, rows: rx.Var[list[TopRow]], item, none: str) -> rx.Component:
    return section(
        title,
        rx.cond(
            rows.length() > 0,
            rx.el.ol(rx.foreach(rows, item), aria_label=title, padding="0", margin="0", width="100%"),
            rx.text(none, size="2", color_scheme="gray"),
        ),
        aria_label=title,
        min_width="0",
    )


def _recent_item(row: rx.Var[RecentRow]) -> rx.Component:
    return _play_item(row.song_id, row.title, row.detail, row.when, font_variant_numeric="tabular-nums")


def _recent() -> rx.Component:
    return section(
        "Recently played",
        rx.el.ol(
            rx.foreach(MusicStatsState.recent, _recent_item),
            aria_label="Recently played",
            padding="0",
            margin="0",
            width="100%",
        ),
        load_more(MusicStatsState.has_more, MusicStatsState.loading_more, MusicStatsState.load_more, ""),
        aria_label="Recently played",
    )


def _period() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(MusicStatsState.span, size="4", as_="h2"),
            _periods(),
            justify="between",
            align=rx.breakpoints(initial="stretch", sm="center"),
            direction=rx.breakpoints(initial="column-reverse", sm="row"),
            gap="3",
            width="100%",
        ),
        rx.hstack(
            _total("Plays", MusicStatsState.total_plays),
            _total("Listening time", MusicStatsState.total_time),
            spacing="6",
            role="group",
            aria_label="Totals",
        ),
        rx.cond(
            MusicStatsState.period_plays > 0,
            rx.grid(
                _top_list("Top songs", MusicStatsState.top_songs, _song_item, ""),
                _top_list(
                    "Top artists", MusicStatsState.top_artists, _link_item, "No artists in these songs' details."
                ),
                _top_list("Top albums", MusicStatsState.top_albums, _link_item, "No albums in these songs' details."),
                columns=rx.breakpoints(initial="1", md="3"),
                gap="4",
                width="100%",
            ),
            rx.text("Nothing played in this period.", size="2", color_scheme="gray"),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )


def _content() -> rx.Component:
    return rx.cond(
        MusicStatsState.recent.length() > 0,
        rx.vstack(_period(), _days_chart(), _recent(), spacing="5", width="100%", align="stretch"),
        empty_state("chart-column", "No stats yet", EMPTY_TEXT, link_button("Go to my songs", routes.MUSIC)),
    )


@page(routes.MUSIC_STATS, "Music stats", on_load=[MusicStatsState.load], wide=True)
def music_stats() -> rx.Component:
    ready = MusicStatsState.loaded & (MusicStatsState.loaded_for == SessionState.context_key)
    return rx.vstack(
        music_tabs(),
        rx.flex(
            rx.button(
                rx.icon("rotate-cw", size=16, aria_hidden="true"),
                "Refresh",
                on_click=MusicStatsState.refresh,
                variant="soft",
                size="2",
                disabled=~ready,
            ),
            justify="end",
            width="100%",
        ),
        form_error(MusicStatsState.error),
        rx.cond(
            ready,
            _content(),
            rx.cond(
                MusicStatsState.error != "",
                rx.button("Try again", on_click=MusicStatsState.reload, variant="soft"),
                loading("Loading your stats…"),
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
        min_width="0",
    )
