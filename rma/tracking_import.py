"""Reading a carrier's tracking file: one scan per row, every bad cell named by its row and column.

Columns: `tracking_number`, `event` and `time`, and optionally `carrier` and `description`; any other
column is ignored (carriers' files carry more). A time is ISO 8601 with its offset
("2026-11-20T10:15:00+01:00", or "Z" for UTC); a time without an offset, and a spreadsheet's date-time
cell, is read as UTC. Cells are plain text: a formula-looking cell of a CSV file is kept as written.

The cell rules live here; rma.services.import_carrier_events finds each row's return and applies the
file. Row numbers are the spreadsheet's: the header is row 1, the first scan row 2.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core import moments
from core.imports import HEADER_ROW, ImportProblem, ImportReport, RowReader, header_problems
from rma import tracking as carrier_tracking
from rma.models import CarrierEvent

COLUMNS = ["tracking_number", "event", "time", "carrier", "description"]
REQUIRED_COLUMNS = ["tracking_number", "event", "time"]
# The CarrierEvent field each text column fills.
TEXT_FIELDS = {"tracking_number": "tracking_number", "event": "event", "carrier": "carrier",
               "description": "description"}
# How often reading a file reports its progress, in rows.
PROGRESS_EVERY = 1000

# What a row does: recorded for the first time, an earlier record (that matched no return) looked up
# again, or imported before and left as it is.
NEW, LOOKED_UP_AGAIN, ALREADY_IMPORTED = "new", "looked_up_again", "already_imported"


@dataclass
class ScanInFile:
    """One row of the file, its cells read, and what importing it does (`record` shows the outcome)."""

    row: int
    tracking_number: str
    event: str
    occurred_at: dt.datetime
    carrier: str
    description: str
    action: str = NEW
    record: CarrierEvent | None = None  # foreseen (unsaved) in a dry run; the saved record once applied

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        """What makes two rows one event: the tracking number in any case, the normalized event, the time."""
        return self.tracking_number.upper(), self.event, self.occurred_at

    def fields(self) -> dict[str, Any]:
        return {"tracking_number": self.tracking_number, "event": self.event, "occurred_at": self.occurred_at,
                "carrier": self.carrier, "description": self.description}


@dataclass(kw_only=True)
class TrackingImportReport(ImportReport):
    """What an import of this kind did, or in a dry run would do (core.imports.ImportReport)."""

    scans: list[ScanInFile]

    def outcome_counts(self) -> list[tuple[str, int]]:
        """How many rows came to each outcome, and how many had been imported before, by name."""
        counts = Counter(
            "already imported" if scan.action == ALREADY_IMPORTED else scan.record.get_outcome_display().lower()
            for scan in self.scans
        )
        return sorted(counts.items())

    @property
    def summary(self) -> str:
        """What the rows came to, e.g. "4 carrier events: 1 applied, 3 already imported"; nothing with problems."""
        if self.problems:
            return ""
        counts = ", ".join(f"{count} {outcome}" for outcome, count in self.outcome_counts())
        noun = "carrier event" if len(self.scans) == 1 else "carrier events"
        return f"{len(self.scans)} {noun}" + (f": {counts}" if counts else "")


def _as_text(value: Any) -> str:
    """A cell as text: a spreadsheet's whole number loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _RowReader(RowReader):
    """Reads the cells of one row of a tracking file."""

    def text(self, column: str, *, required: bool = False) -> str:
        text = _as_text(self.raw.get(column))
        if column == "event":
            text = carrier_tracking.normalize_event(text)
        limit = CarrierEvent._meta.get_field(TEXT_FIELDS[column]).max_length
        if "\x00" in text:
            # PostgreSQL stores no NUL character: refused here, not by the database when applying.
            self.problem(column, "This cell contains a NUL character.")
        elif required and not text:
            self.problem(column, "This cell is empty.")
        elif len(text) > limit:
            self.problem(column, f"Longer than {limit} characters.")
        return text

    def moment(self, column: str) -> dt.datetime | None:
        """ISO 8601 with its offset; without one (or a spreadsheet's date-time cell), UTC."""
        value = self.raw.get(column)
        if isinstance(value, dt.datetime):
            moment = value
        elif _as_text(value) == "":
            self.problem(column, "This cell is empty.")
            return None
        else:
            try:
                moment = dt.datetime.fromisoformat(_as_text(value))
            except ValueError:
                self.problem(
                    column, f"'{_as_text(value)}' is not a time: write it as ISO 8601, e.g. 2026-11-20T10:15:00+01:00."
                )
                return None
        if not moments.in_our_years(moment):
            self.problem(column, f"'{moment.isoformat()}' is not {moments.OUR_YEARS}.")
            return None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


class TrackingFile:
    """The rows of a carrier's tracking file under its header."""

    def __init__(self, *, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]]) -> None:
        # Header names are matched trimmed and case-insensitively: " Tracking_Number" is tracking_number.
        self.columns = [_as_text(column).lower() for column in columns]
        self.rows = [
            {_as_text(column).lower(): value for column, value in row.items() if _as_text(column)} for row in rows
        ]

    def header_problems(self) -> list[ImportProblem]:
        # Any other column is ignored, so every named one is known.
        known = [*COLUMNS, *(column for column in self.columns if column not in COLUMNS)]
        return header_problems(
            self.columns, known=known, required=REQUIRED_COLUMNS, file_label="carrier file", listed=COLUMNS,
        )

    def read(
        self, *, on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[list[ScanInFile], list[ImportProblem]]:
        """The file's scans in file order, and a problem for every bad cell; blank rows are skipped.

        `on_progress` hears (rows read, rows in the file) every PROGRESS_EVERY rows and at the end.
        """
        problems = self.header_problems()
        if problems:
            return [], problems
        scans = []
        for row, raw in enumerate(self.rows, start=HEADER_ROW + 1):
            if on_progress and (row - HEADER_ROW) % PROGRESS_EVERY == 0:
                on_progress(row - HEADER_ROW, len(self.rows))
            if not any(_as_text(value) for value in raw.values()):
                continue
            reader = _RowReader(row, raw, problems)
            scan = ScanInFile(
                row=row, tracking_number=reader.text("tracking_number", required=True),
                event=reader.text("event", required=True), occurred_at=reader.moment("time"),
                carrier=reader.text("carrier"), description=reader.text("description"),
            )
            if not reader.bad:
                scans.append(scan)
        if on_progress:
            on_progress(len(self.rows), len(self.rows))
        return scans, problems
