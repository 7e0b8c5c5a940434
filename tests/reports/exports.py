"""Requesting exports through the admin as a user would, and reading the files back."""

import csv
import io
import re
from urllib.parse import urlencode

import openpyxl
from django.urls import reverse

# The export form's format choices, in the order the admin offers them.
FORMAT_CHOICES = {"csv": "0", "xlsx": "1"}

# Each exportable list, by its model's label.
EXPORTS = {
    "returns": "rma.returnrequest",
    "units": "rma.returnitem",
    "inspections": "inspection.inspection",
    "dispositions": "disposition.disposition",
    "refunds": "refunds.refund",
    "stock movements": "disposition.stockmovement",
    "dock scans": "rma.receivingscan",
}


def admin_url(label: str, view: str, params: dict | None = None) -> str:
    """The URL of an admin view of the model labelled e.g. 'rma.returnrequest', with a query string."""
    url = reverse(f"admin:{label.replace('.', '_')}_{view}")
    return f"{url}?{urlencode(params)}" if params else url


def request_export(client, label: str, params: dict | None = None, file_format: str = "csv"):
    """POST the export form of a changelist filtered by `params`, as the export page does."""
    return client.post(admin_url(label, "export", params), {"format": FORMAT_CHOICES[file_format], "resource": "0"})


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def excel_text(value):
    """A string cell as Excel reads it: openpyxl leaves Excel's escapes (_x000D_ for a carriage return) as they are."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match[1], 16)), value)


def xlsx_rows(content: bytes) -> list[list]:
    return [[excel_text(cell.value) for cell in row] for row in xlsx_sheet(content).iter_rows()]


def exported(client, label: str, params: dict | None = None, file_format: str = "csv") -> list[list]:
    """The exported rows, header first, read back from the file."""
    response = request_export(client, label, params, file_format)
    assert response.status_code == 200, response
    content = content_of(response)
    return csv_rows(content) if file_format == "csv" else xlsx_rows(content)


def as_records(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
