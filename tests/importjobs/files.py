"""Import files for the tests: CSV and XLSX as clients send them, and ones that must be refused."""

import csv
import io
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import order_row

# A sheet row of a few cells, repeated: a sheet's XML compresses about a thousand times.
_SHEET_ROW = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'


def order_csv(rows: list[dict], name: str = "orders.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(), content_type="text/csv")


def order_rows(count: int, **cells) -> list[dict]:
    """`count` one-line orders of client hafenwerk, HW-1 to HW-<count>."""
    return [order_row(order_number=f"HW-{number}", **cells) for number in range(1, count + 1)]


def xlsx_bytes(rows: list[dict]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(list(rows[0]))
    for row in rows:
        workbook.active.append(list(row.values()))
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def zip_bomb_xlsx(megabytes: int) -> bytes:
    """A real workbook (openpyxl's own) whose sheet XML is replaced by `megabytes` MB of repeated cells.

    The sheet is written to the archive as a stream, so making it takes about a second per 200 MB and
    never holds the unpacked sheet in memory; the archive is about 1/1000 of it.
    """
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes([order_row()])))
    chunk = _SHEET_ROW * (1024 * 1024 // len(_SHEET_ROW))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in workbook.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(member, workbook.read(member))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(megabytes):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return bomb.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
