"""Every import refuses, with a clear message on its form, a file too large, of too many rows, or not
what its format says (checked by content, whatever its name); an XLSX zip bomb is refused from the
archive's directory alone, before any sheet is parsed, in well under a second."""

import io
import time
import zipfile

import pytest
from django.urls import reverse

from core import imports
from rma.models import Order
from tests.factories import ClientFactory, client_with_policy, order_row
from tests.importjobs.files import order_csv, order_rows, upload, xlsx_bytes, zip_bomb_xlsx

ORDER_IMPORT = reverse("admin:rma_order_import")
TRACKING_IMPORT = reverse("admin:rma_carrierevent_import")
SETTLEMENT_IMPORT = reverse("admin:refunds_refund_import")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def manager(client, staff):
    ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")
    client.force_login(staff.manager)
    return client


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return zip_bomb_xlsx(megabytes=200)


def file_error(browser, url: str, file, file_format: str, **fields) -> str:
    response = browser.post(url, {"import_file": file, "format": file_format, "resource": "0", **fields})
    assert response.status_code == 200
    [error] = response.context["form"].errors["import_file"]
    return error


def test_a_file_over_the_size_limit_is_refused(manager, settings):
    settings.IMPORT_MAX_BYTES = 2000

    error = file_error(manager, ORDER_IMPORT, order_csv(order_rows(20)), CSV_FORMAT)

    assert error.startswith("The file is 0.0 MB; an import file is at most 0.0 MB")
    assert not Order.objects.exists()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_file_over_the_row_limit_is_refused(manager, settings, file_format):
    settings.IMPORT_MAX_ROWS = 3
    rows = order_rows(4)
    file = order_csv(rows) if file_format == CSV_FORMAT else upload(xlsx_bytes(rows), "orders.xlsx")

    error = file_error(manager, ORDER_IMPORT, file, file_format)

    assert "more than 3 rows under its header; an import holds at most 3" in error


def test_a_file_at_the_row_limit_is_read(manager, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = manager.post(ORDER_IMPORT, {"import_file": order_csv(order_rows(3)), "format": CSV_FORMAT,
                                           "resource": "0"})

    assert response.context["confirm_form"] is not None


def test_a_csv_with_a_nul_byte_is_refused(manager):
    content = order_csv([order_row()]).read().replace(b"Anna", b"An\x00na")

    error = file_error(manager, ORDER_IMPORT, upload(content, "orders.csv"), CSV_FORMAT)

    assert error == "This is not a CSV file: it holds binary data (NUL bytes). Save it as CSV (UTF-8)."


def test_a_csv_that_is_not_utf8_is_refused(manager):
    content = order_csv([order_row(customer_name="Jörg")]).read().decode().encode("latin-1")

    error = file_error(manager, ORDER_IMPORT, upload(content, "orders.csv"), CSV_FORMAT)

    assert "This is not a UTF-8 CSV file" in error and "Save it as CSV (UTF-8)" in error


@pytest.mark.parametrize("content", [PNG, xlsx_bytes([order_row()])], ids=["png", "xlsx"])
def test_a_binary_file_named_csv_is_refused(manager, content):
    error = file_error(manager, ORDER_IMPORT, upload(content, "orders.csv"), CSV_FORMAT)

    assert error.startswith("This is not a CSV file") or error.startswith("This is not a UTF-8 CSV file")


def _zip_of(members: dict[str, bytes]) -> bytes:
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return content.getvalue()


@pytest.mark.parametrize("content", [
    order_csv([order_row()]).read(), PNG, _zip_of({"readme.txt": b"hello"}),
    _zip_of({"[Content_Types].xml": b'<Types><Override ContentType="application/msword"/></Types>'}),
], ids=["csv", "png", "zip", "word"])
def test_a_file_named_xlsx_that_is_no_workbook_is_refused(manager, content):
    error = file_error(manager, ORDER_IMPORT, upload(content, "orders.xlsx"), XLSX_FORMAT)

    assert error == "This is not an Excel (XLSX) file. Save it as an Excel workbook (.xlsx) or as CSV."


def test_a_zip_bomb_is_refused_before_any_sheet_is_parsed(zip_bomb, settings):
    assert len(zip_bomb) < 3 * 1024 * 1024

    started = time.monotonic()
    with pytest.raises(imports.ImportFileRefused) as refused:
        imports.read_sheet(zip_bomb, file_format=imports.XLSX)

    assert time.monotonic() - started < 2
    # The refusal names the unpacked size, which only the archive's directory knows before parsing.
    assert refused.value.message.startswith("The workbook unpacks to 200.")
    assert "an import workbook unpacks to at most 100.0 MB" in refused.value.message


@pytest.mark.parametrize("url", [ORDER_IMPORT, TRACKING_IMPORT])
def test_a_zip_bomb_uploaded_to_an_import_page_is_a_form_error_in_well_under_a_second(manager, zip_bomb, url):
    started = time.monotonic()
    error = file_error(manager, url, upload(zip_bomb, "orders.xlsx"), XLSX_FORMAT)

    assert time.monotonic() - started < 2
    assert error.startswith("The workbook unpacks to")


def test_a_zip_bomb_uploaded_as_a_settlement_confirmation_is_refused(client, staff, zip_bomb):
    shop = client_with_policy(auto_authorize=False)
    client.force_login(staff.finance)

    error = file_error(client, SETTLEMENT_IMPORT, upload(zip_bomb, "confirmations.xlsx"), XLSX_FORMAT,
                       client=shop.pk)

    assert error.startswith("The workbook unpacks to")


def test_a_part_packed_far_tighter_than_any_spreadsheet_is_refused(settings):
    settings.IMPORT_XLSX_MAX_RATIO = 50
    sheet = zip_bomb_xlsx(megabytes=1)

    with pytest.raises(imports.ImportFileRefused) as refused:
        imports.check_file(sheet, file_format=imports.XLSX)

    assert "xl/worksheets/sheet1.xml unpacks to" in refused.value.message


def test_an_xlsx_sheet_is_read_in_streaming_mode_with_its_formulas_as_text():
    rows = [order_row(customer_name="=HYPERLINK(\"http://x\")")]

    sheet = imports.read_sheet(xlsx_bytes(rows), file_format=imports.XLSX)

    assert sheet.headers == list(rows[0])
    assert sheet.rows[0][sheet.headers.index("customer_name")] == '=HYPERLINK("http://x")'


def test_a_csv_keeps_quoted_line_breaks_and_blank_rows_so_row_numbers_are_the_files():
    content = b'a,b\n"one\ntwo",2\n\n3,4\n'

    sheet = imports.read_sheet(content, file_format=imports.CSV)

    assert sheet.rows == [("one\ntwo", "2"), ("", ""), ("3", "4")]


def test_a_csv_row_wider_than_its_header_is_refused():
    with pytest.raises(imports.ImportFileRefused) as refused:
        imports.read_sheet(b"a,b\n1,2\n1,2,3\n", file_format=imports.CSV)

    assert refused.value.message == "Row 3 has 3 cells, more than the header's 2 columns."
