"""The order import in the admin: upload a CSV or XLSX, see the preview, confirm; managers only."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rma import services as rma_services
from rma.models import Customer, Order, OrderLine
from tests.factories import ClientFactory, PolicyFactory, order_row

IMPORT_URL = reverse("admin:rma_order_import")
CONFIRM_URL = reverse("admin:rma_order_process_import")
CHANGELIST = reverse("admin:rma_order_changelist")
CSV_FORMAT, XLSX_FORMAT = "0", "1"


@pytest.fixture
def manager(client, staff):
    ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")
    client.force_login(staff.manager)
    return client


def csv_upload(rows: list[dict], encoding: str = "utf-8") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("orders.csv", text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[dict]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    content = io.BytesIO()
    workbook.save(content)
    return SimpleUploadedFile("orders.xlsx", content.getvalue())


def preview(client, upload: SimpleUploadedFile, file_format: str = CSV_FORMAT):
    return client.post(IMPORT_URL, {"import_file": upload, "format": file_format, "resource": "0"})


def confirm(client, previewed):
    return client.post(CONFIRM_URL, previewed.context["confirm_form"].initial, follow=True)


def counts() -> tuple[int, int, int]:
    return Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_preview_changes_nothing_and_confirming_applies_it(manager):
    rows = [order_row(), order_row(line_number="2", sku="HW-JKT", unit_price="149.00"), order_row(order_number="HW-2")]

    previewed = preview(manager, csv_upload(rows))

    assert previewed.status_code == 200 and previewed.context["confirm_form"] is not None
    page = previewed.content.decode()
    assert "Preview: 2 orders (2 new, 0 updated, 0 unchanged), 3 lines (3 new, 0 updated, 0 unchanged)" in page
    assert "hafenwerk/HW-1" in page and "(new customer)" in page and "HW-JKT" in page
    assert counts() == (0, 0, 0)

    confirmed = confirm(manager, previewed)

    assert confirmed.redirect_chain[-1][0] == CHANGELIST
    assert messages_of(confirmed) == [
        "Imported 2 orders (2 new, 0 updated, 0 unchanged), 3 lines (3 new, 0 updated, 0 unchanged), 1 new customer."
    ]
    assert counts() == (2, 3, 1)
    assert OrderLine.objects.get(sku="HW-JKT").unit_price == Decimal("149.00")
    assert sorted(LogEntry.objects.filter(action_flag=ADDITION).values_list("object_repr", flat=True)) == [
        "hafenwerk/HW-1", "hafenwerk/HW-2"
    ]


def test_an_xlsx_file_imports_numbers_and_dates_exactly_and_formulas_as_text(manager):
    rows = [order_row(
        unit_price=19.99, quantity=3, line_number=1, outbound_shipping_paid=4.9, ordered_at=dt.datetime(2026, 3, 2),
        delivered_at=None, description="=1+2", sku="-123", order_number=1001,
    )]

    confirm(manager, preview(manager, xlsx_upload(rows), XLSX_FORMAT))

    line = OrderLine.objects.get()
    assert (line.unit_price, line.quantity, line.description, line.sku) == (Decimal("19.99"), 3, "=1+2", "-123")
    assert (line.order.number, line.order.outbound_shipping_paid) == ("1001", Decimal("4.90"))
    assert line.order.ordered_at == dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)


def test_a_bad_last_row_is_listed_by_row_and_column_and_cannot_be_confirmed(manager):
    rows = [order_row(), order_row(order_number="HW-2"), order_row(order_number="HW-3", unit_price="12,50")]

    previewed = preview(manager, csv_upload(rows))

    page = previewed.content.decode()
    assert "Nothing was imported: 1 problem" in page
    assert "<td>4</td><td><code>unit_price</code></td><td>&#x27;12,50&#x27; is not a number" in page
    assert "confirm_form" not in previewed.context
    assert counts() == (0, 0, 0)


def test_importing_the_same_file_again_reports_every_order_unchanged(manager):
    rows = [order_row()]
    confirm(manager, preview(manager, csv_upload(rows)))

    confirmed = confirm(manager, preview(manager, csv_upload(rows, encoding="utf-8-sig")))  # as Excel saves CSV

    assert messages_of(confirmed)[-1] == (
        "Imported 1 order (0 new, 0 updated, 1 unchanged), 1 line (0 new, 0 updated, 1 unchanged), 0 new customers."
    )
    assert counts() == (1, 1, 1)


def test_confirming_after_a_return_claimed_a_previewed_line_applies_nothing(manager, staff):
    PolicyFactory(client=ClientFactory(code="hafenwerk"), auto_authorize=False)
    confirm(manager, preview(manager, csv_upload([order_row()])))
    previewed = preview(manager, csv_upload([order_row(unit_price="20.00"), order_row(order_number="HW-2")]))
    line = OrderLine.objects.get()
    rma_services.create_return_request(
        order=line.order, items=[{"order_line": line, "quantity": 1, "reason": "defective"}],
        channel="phone", actor=staff.customer_service,
    )

    confirmed = confirm(manager, previewed)

    assert confirmed.redirect_chain[-1][0] == IMPORT_URL
    assert messages_of(confirmed)[-1].startswith(
        "Nothing was imported: Row 2, column unit_price: line 1 of order HW-1 is claimed by return"
    )
    assert OrderLine.objects.get().unit_price == Decimal("24.95") and Order.objects.count() == 1


def test_the_import_page_lists_the_columns_and_links_the_example_file(manager):
    page = manager.get(IMPORT_URL).content.decode()

    assert "client_code, order_number, customer_email" in page
    assert 'href="/static/rma/order-import-example.csv"' in page
    assert finders.find("rma/order-import-example.csv")


def test_managers_see_the_import_button(manager):
    assert f"<a href='{IMPORT_URL}' class=\"import_link\">Import</a>" in manager.get(CHANGELIST).content.decode()


@pytest.mark.parametrize("group", ["customer_service", "finance", "inspector", "dock"])
def test_other_groups_get_no_import_button_and_403_on_the_import_urls(client, staff, group):
    ClientFactory(code="hafenwerk")
    user = getattr(staff, group)
    client.force_login(user)

    changelist = client.get(CHANGELIST)
    page = client.get(IMPORT_URL)
    upload = preview(client, csv_upload([order_row()]))
    confirmed = client.post(CONFIRM_URL, {"import_file_name": "x", "original_file_name": "x.csv", "format": "0"})

    if user.has_perm("rma.view_order"):
        assert changelist.status_code == 200 and IMPORT_URL not in changelist.content.decode()
    else:
        assert changelist.status_code == 403
    assert (page.status_code, upload.status_code, confirmed.status_code) == (403, 403, 403)
    assert Order.objects.count() == 0 and Customer.objects.count() == 0
