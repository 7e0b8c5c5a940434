"""One way to write a date and a time everywhere in the back office: "2 Dec 2026, 15:04 CET".

Times are shown in the facility's time zone (settings.TIME_ZONE), its abbreviation named, so a
reader at either site knows which clock is meant. These replace Django's American defaults for "en".
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
