"""Dates and times as people read them: in the facility's time zone, one format, the zone named."""

import datetime as dt

from django.utils import formats, timezone

# The days an order, a report or a filter may name. Far-off dates are a slip or a probe, and arithmetic on
# them fails: a period ends at the next day's midnight, a return window adds days, and 31 Dec 9999 has no
# next day.
EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
OUR_YEARS = f"between {EARLIEST_DATE:%-d %b %Y} and {LATEST_DATE:%-d %b %Y}"


def in_our_years(day: dt.date | dt.datetime) -> bool:
    """Whether the day (of a moment, where it is written) lies between EARLIEST_DATE and LATEST_DATE."""
    day = day.date() if isinstance(day, dt.datetime) else day
    return EARLIEST_DATE <= day <= LATEST_DATE


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
