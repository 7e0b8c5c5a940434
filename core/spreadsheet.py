"""Writing export rows to CSV and XLSX in bounded memory, with every text cell made safe to open.

Rows arrive as lists of plain values (str, Decimal, int, bool, datetime or None) and are written
as they come: CSV line by line, XLSX with XlsxWriter in constant-memory mode, which writes each
row out before the next. Every value passes through one function per format below, so no writer
can forget the formula escaping; text is always written as text, never read as a formula.
"""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain
from typing import IO

import xlsxwriter

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Times are written in UTC; the XLSX cell is a real date that displays as ISO 8601.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
XLSX_ISO_FORMAT = 'yyyy-mm-dd"T"hh:mm:ss"Z"'
CSV_ROWS_PER_CHUNK = 500
# Control characters XML (and so XLSX) cannot hold; tab, CR and LF it can.
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Value = str | Decimal | int | bool | dt.datetime | None


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets an apostrophe before it."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _utc(moment: dt.datetime) -> dt.datetime:
    """To the second, in UTC: the same time in both formats."""
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def csv_cell(value: Value) -> str:
    """Numbers as plain decimals (12.50, -3), times as ISO 8601 in UTC, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return _utc(value).strftime(ISO_FORMAT)
    return neutralise(str(value))


def _decimal_format(amount: Decimal) -> str:
    places = max(0, -amount.as_tuple().exponent)
    return "0." + "0" * places if places else "0"


def xlsx_cell(value: Value) -> tuple[str, Value, str | None]:
    """How a value goes into XLSX: (kind, value, number format), kind naming XlsxWriter's write_<kind>.

    Numbers are numeric cells showing their decimals, times are date cells in UTC shown as ISO 8601,
    text is neutralised and written as a string, None leaves the cell blank.
    """
    if value is None:
        return "blank", None, None
    if isinstance(value, bool):
        return "boolean", value, None
    if isinstance(value, Decimal):
        return "number", value, _decimal_format(value)
    if isinstance(value, int):
        return "number", value, None
    if isinstance(value, dt.datetime):
        return "datetime", _utc(value).replace(tzinfo=None), XLSX_ISO_FORMAT
    return "string", XML_ILLEGAL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", neutralise(str(value))), None


def csv_chunks(headers: list[str], rows: Iterable[list[Value]]) -> Iterator[bytes]:
    """The CSV file in pieces of a few hundred rows, UTF-8 with a BOM so Excel reads accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in headers])
    yield codecs.BOM_UTF8 + _drain(buffer)
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        pending += 1
        if pending == CSV_ROWS_PER_CHUNK:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def write_csv(headers: list[str], rows: Iterable[list[Value]], file: IO[bytes]) -> None:
    for chunk in csv_chunks(headers, rows):
        file.write(chunk)


def write_xlsx(headers: list[str], rows: Iterable[list[Value]], file: IO[bytes], *, title: str) -> None:
    workbook = xlsxwriter.Workbook(file, {"constant_memory": True})
    sheet = workbook.add_worksheet(title[:31])  # Excel's limit on a sheet name
    number_formats = {}
    for row_number, row in enumerate(chain([headers], rows)):
        for column, value in enumerate(row):
            kind, cell, number_format = xlsx_cell(value)
            if kind == "blank":
                continue
            if number_format and number_format not in number_formats:
                number_formats[number_format] = workbook.add_format({"num_format": number_format})
            getattr(sheet, f"write_{kind}")(row_number, column, cell, number_formats.get(number_format))
    workbook.close()
