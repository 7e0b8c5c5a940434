"""Import files, checked by content before anything reads them, and read in bounded memory.

Every import (client orders, carrier tracking, settlement confirmations) goes through here:
- a file is at most settings.IMPORT_MAX_BYTES and its sheet at most settings.IMPORT_MAX_ROWS rows;
- a CSV file must be UTF-8 text without a NUL byte, whatever its name;
- an XLSX file must be a zip archive declaring a spreadsheet, whose members together unpack to at most
  settings.IMPORT_XLSX_MAX_UNCOMPRESSED bytes, none more than IMPORT_XLSX_MAX_RATIO times its packed
  size: checked on the archive's directory alone, so a zip bomb is refused before a sheet is parsed.
  Python's zipfile never unpacks more than a member declares, so the declared sizes bound the work.
  The sheet is then read by openpyxl in read-only (streaming) mode, row by row up to the row limit.

The header checks every import shares are here too (`header_problems`).
"""

import codecs
import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import openpyxl
from django.conf import settings

from core.errors import InvalidInput

CSV, XLSX = "csv", "xlsx"
HEADER_ROW = 1
# What an XLSX archive's [Content_Types].xml declares for its workbook.
XLSX_WORKBOOK_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSX_CONTENT_TYPES = "[Content_Types].xml"
LARGEST_CONTENT_TYPES = 1024 * 1024
MOST_ARCHIVE_MEMBERS = 10_000
# Cells past this column are not read: no file of ours has that many, and a sheet naming cell XFD1
# would otherwise widen every row to 16,384 cells.
MOST_COLUMNS = 200


class ImportFileRefused(InvalidInput):
    """The file is not one we read: too large, not what its format says, or with too many rows."""

    code = "import_file_refused"


@dataclass(frozen=True)
class ImportProblem:
    """A bad cell (row and column), a bad header (row 1), or the whole file (no row)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return f"Row {self.row}, column {self.column}: {self.message}"


class RowReader:
    """Reads the cells of one row of a file; a bad cell becomes a problem of the file, and marks the row bad.
    Each kind of import extends it with how its cells read."""

    def __init__(self, row: int, raw: Mapping[str, Any], problems: list[ImportProblem]) -> None:
        self.row, self.raw, self.problems, self.bad = row, raw, problems, False

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.row, column, message))
        self.bad = True


@dataclass(kw_only=True)
class ImportReport:
    """What an import did, or in a dry run would do; with any problem it did nothing. Each kind of import
    extends it with what its rows are."""

    problems: list[ImportProblem]
    dry_run: bool

    def __post_init__(self) -> None:
        # Stable: a row's columns stay in file order; a problem of the whole file (no row) comes first.
        self.problems.sort(key=lambda problem: problem.row or 0)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.problems

    def problems_by_row(self) -> dict[int | None, dict[str, list[str]]]:
        """Each bad row's messages by column, rows in file order."""
        by_row: dict[int | None, dict[str, list[str]]] = defaultdict(dict)
        for problem in self.problems:
            by_row[problem.row].setdefault(problem.column, []).append(problem.message)
        return dict(by_row)


@dataclass(frozen=True)
class Sheet:
    """A file's header and the rows under it, each row as wide as the header."""

    headers: list[Any]
    rows: list[tuple]


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_size(size: int) -> None:
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFileRefused(
            f"The file is {_megabytes(size)}; an import file is at most {_megabytes(settings.IMPORT_MAX_BYTES)}. "
            "Split it and import each part."
        )


def check_file(data: bytes, *, file_format: str) -> None:
    """Refuse a file that is too large or is not what `file_format` says (see the module)."""
    check_size(len(data))
    if file_format == CSV:
        _csv_text(data)
    elif file_format == XLSX:
        _check_xlsx_archive(data)
    else:
        raise ImportFileRefused(f"An import file is CSV or XLSX, not {file_format}.")


def _csv_text(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportFileRefused("This is not a CSV file: it holds binary data (NUL bytes). Save it as CSV (UTF-8).")
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileRefused(
            f"This is not a UTF-8 CSV file (byte {error.start + 1} is not UTF-8 text). Save it as CSV (UTF-8)."
        ) from None


def _check_xlsx_archive(data: bytes) -> None:
    not_xlsx = ImportFileRefused("This is not an Excel (XLSX) file. Save it as an Excel workbook (.xlsx) or as CSV.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    with archive:
        members = archive.infolist()
        if len(members) > MOST_ARCHIVE_MEMBERS:
            raise not_xlsx
        unpacked = sum(member.file_size for member in members)
        if unpacked > settings.IMPORT_XLSX_MAX_UNCOMPRESSED:
            raise ImportFileRefused(
                f"The workbook unpacks to {_megabytes(unpacked)}; an import workbook unpacks to at most "
                f"{_megabytes(settings.IMPORT_XLSX_MAX_UNCOMPRESSED)}. Split it, or import it as CSV."
            )
        for member in members:
            ratio = member.file_size // max(member.compress_size, 1)
            if ratio > settings.IMPORT_XLSX_MAX_RATIO:
                raise ImportFileRefused(
                    f"The workbook's part {member.filename[:100]} unpacks to {ratio} times its size; a spreadsheet "
                    "never does. Save the workbook again, or import it as CSV."
                )
        content_types = next((member for member in members if member.filename == XLSX_CONTENT_TYPES), None)
        if content_types is None or content_types.file_size > LARGEST_CONTENT_TYPES:
            raise not_xlsx
        try:
            declared = archive.read(content_types)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
            raise not_xlsx from None
        if XLSX_WORKBOOK_TYPE not in declared:
            raise not_xlsx


def _too_many_rows() -> ImportFileRefused:
    return ImportFileRefused(
        f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows under its header; an import holds at most "
        f"{settings.IMPORT_MAX_ROWS:,}. Split it and import each part."
    )


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(_csv_text(data), newline=""))
    except csv.Error as error:
        raise ImportFileRefused(f"The CSV file cannot be read: {error}.") from None


def _xlsx_rows(data: bytes, *, formulas_as_text: bool) -> Iterator[tuple]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas_as_text)
    except Exception:  # openpyxl raises whatever its parsers meet in a malformed workbook
        raise ImportFileRefused("This Excel (XLSX) file cannot be read. Save it again, or import it as CSV.") from None
    try:
        yield from workbook.active.iter_rows(max_col=MOST_COLUMNS, values_only=True)
    except ImportFileRefused:
        raise
    except Exception:
        raise ImportFileRefused("This Excel (XLSX) file cannot be read. Save it again, or import it as CSV.") from None
    finally:
        workbook.close()


def _file_rows(data: bytes, *, file_format: str, formulas_as_text: bool) -> Iterator[Sequence[Any]]:
    check_file(data, file_format=file_format)
    if file_format == CSV:
        return _csv_rows(data)
    return _xlsx_rows(data, formulas_as_text=formulas_as_text)


def count_rows(data: bytes, *, file_format: str) -> int:
    """How many rows the file has under its header, checked and up to the row limit."""
    rows = _file_rows(data, file_format=file_format, formulas_as_text=True)
    count = sum(1 for _ in islice(rows, settings.IMPORT_MAX_ROWS + 2)) - 1
    if count > settings.IMPORT_MAX_ROWS:
        raise _too_many_rows()
    return max(count, 0)


def read_sheet(data: bytes, *, file_format: str, formulas_as_text: bool = True) -> Sheet:
    """The file's header and rows, checked by content and refused past the row limit.

    A formula reads as its text by default (stored as written, never evaluated); `formulas_as_text=False`
    gives the value the spreadsheet saved for it. The header ends at its last named column. A row
    shorter than it is padded with empty cells; cells past it are dropped from a sheet, but refused in
    a CSV file, where they mean a row out of step (a comma inside an unquoted cell).
    """
    rows = _file_rows(data, file_format=file_format, formulas_as_text=formulas_as_text)
    headers = list(next(rows, ()))
    while headers and headers[-1] in (None, ""):
        headers.pop()
    width = len(headers)
    sheet_rows = []
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        if len(sheet_rows) == settings.IMPORT_MAX_ROWS:
            raise _too_many_rows()
        if file_format == CSV and any(cell != "" for cell in row[width:]):
            raise ImportFileRefused(f"Row {number} has {len(row)} cells, more than the header's {width} columns.")
        sheet_rows.append(tuple(row[:width]) + ("",) * (width - len(row)))
    return Sheet(headers=headers, rows=sheet_rows)


def header_problems(
    columns: Sequence[str], *, known: Sequence[str], required: Sequence[str], file_label: str,
    listed: Sequence[str] | None = None,
) -> list[ImportProblem]:
    """A file's header against what the import reads: no column twice, none unknown, none required missing.

    `columns` are the header's names as the import matches them (trimmed, lower case); empty ones
    name nothing and are skipped. `listed` are the columns an unknown one is told of (default `known`).
    """
    named = [column for column in columns if column]
    problems = [
        ImportProblem(HEADER_ROW, column, "this column appears twice")
        for column in sorted({column for column in named if named.count(column) > 1})
    ]
    problems += [
        ImportProblem(HEADER_ROW, column, f"not a column of the {file_label} ({', '.join(listed or known)})")
        for column in named if column not in known
    ]
    problems += [
        ImportProblem(HEADER_ROW, column, "this required column is missing")
        for column in required if column not in named
    ]
    return problems
