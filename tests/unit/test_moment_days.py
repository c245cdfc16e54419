"""The feed's day headings: the viewer's days ("Today", "Yesterday", "12 November", the year when
not this one), and cards grouped under them in the order they come."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lumi_app.components.moments import MomentCard, by_day
from lumi_app.state.views import day_heading, zone_named

NOW = datetime(2026, 11, 14, 9, 30, tzinfo=UTC)


def test_days_are_named_as_people_say_them() -> None:
    assert day_heading(datetime(2026, 11, 14, 0, 5, tzinfo=UTC), UTC, NOW) == "Today"
    assert day_heading(datetime(2026, 11, 13, 23, 59, tzinfo=UTC), UTC, NOW) == "Yesterday"
    assert day_heading(datetime(2026, 11, 12, 8, 0, tzinfo=UTC), UTC, NOW) == "12 November"
    assert day_heading(datetime(2025, 11, 12, 8, 0, tzinfo=UTC), UTC, NOW) == "12 November 2025"


def test_the_day_is_the_viewers_not_the_servers() -> None:
    # 23:30 UTC on the 13th is already the 14th in Tokyo, and still the 13th in Los Angeles
    late = datetime(2026, 11, 13, 23, 30, tzinfo=UTC)
    assert day_heading(late, ZoneInfo("Asia/Tokyo"), NOW) == "Today"
    assert day_heading(late, ZoneInfo("America/Los_Angeles"), NOW) == "Yesterday"
    # and "now" is the viewer's too: at 01:00 on the 15th in Tokyo, the 14th (UTC) is yesterday there
    assert (
        day_heading(
            datetime(2026, 11, 14, 2, 0, tzinfo=UTC), ZoneInfo("Asia/Tokyo"), datetime(2026, 11, 14, 16, 0, tzinfo=UTC)
        )
        == "Yesterday"
    )


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert zone_named("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert zone_named("Mars/Olympus") is UTC
    assert zone_named("") is UTC
    assert zone_named("../../etc/passwd") is UTC


def test_cards_are_grouped_by_day_newest_first() -> None:
    cards = [
        MomentCard(moment_id=moment_id, day=day, day_heading=heading)
        for moment_id, day, heading in [
            ("c", "2026-11-14", "Today"),
            ("b", "2026-11-14", "Today"),
            ("a", "2026-11-12", "12 November"),
        ]
    ]
    days = by_day(cards)
    assert [(day.heading, [card.moment_id for card in day.cards]) for day in days] == [
        ("Today", ["c", "b"]),
        ("12 November", ["a"]),
    ]
    assert by_day([]) == []
