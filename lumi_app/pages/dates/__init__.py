"""The couple's dates: the calendar (a month, a day's dates, "Upcoming") with its add / edit form."""

from lumi_app.pages.dates import calendar

__all__ = ["calendar"]
