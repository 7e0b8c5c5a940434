"""Dates and times as people read them: in the facility's time zone, one format, the zone named."""

import datetime as dt

from django.utils import formats, timezone


def format_moment(moment: dt.datetime | None, *, default: str = "–") -> str:
    """`moment` in the facility's time zone as "2 Dec 2026, 15:04 CET"."""
    if moment is None:
        return default
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def format_day(day: dt.date | dt.datetime | None, *, default: str = "–") -> str:
    """A calendar day as "2 Dec 2026"; a moment is read in the facility's time zone first."""
    if day is None:
        return default
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day)
    return formats.date_format(day, "DATE_FORMAT")
