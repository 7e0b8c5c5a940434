"""Import confirmations in the refunds admin: pick the client, upload, see the preview, confirm."""

import csv
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from refunds import services
from refunds.models import Refund, RefundStatus
from rma.models import ReturnState
from tests.factories import client_with_policy
from tests.refunds.settlement_data import owed_refund

IMPORT_URL = reverse("admin:refunds_refund_import")
CONFIRM_URL = reverse("admin:refunds_refund_process_import")
CSV_FORMAT, XLSX_FORMAT = "0", "1"


@pytest.fixture
def shop(db):
    return client_with_policy(auto_authorize=False)


@pytest.fixture
def finance(client, staff):
    client.force_login(staff.finance)
    return client


def confirmation_rows(refunds: list[Refund], **cells) -> list[dict]:
    paid = timezone.localdate(timezone=refunds[0].return_request.client.zone).isoformat()
    return [{"refund_id": str(refund.pk), "reference": f"PAY-{refund.pk}", "date_paid": paid, **cells}
            for refund in refunds]


def csv_upload(rows: list[dict]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("confirmations.csv", text.getvalue().encode(), content_type="text/csv")


def xlsx_upload(header: list, rows: list[list]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    for cells in rows:
        workbook.active.append(cells)
    content = io.BytesIO()
    workbook.save(content)
    return SimpleUploadedFile("confirmations.xlsx", content.getvalue())


def preview(client, shop, upload: SimpleUploadedFile, file_format: str = CSV_FORMAT):
    return client.post(IMPORT_URL, {"client": shop.pk, "import_file": upload, "format": file_format,
                                    "resource": "0"})


def confirm(client, previewed):
    return client.post(CONFIRM_URL, previewed.context["confirm_form"].initial, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def statuses(refunds: list[Refund]) -> list[str]:
    return [Refund.objects.get(pk=refund.pk).status for refund in refunds]


def test_the_preview_changes_nothing_and_confirming_settles_the_refunds(finance, shop, staff):
    refunds = [owed_refund(shop, staff), owed_refund(shop, staff)]

    previewed = preview(finance, shop, csv_upload(confirmation_rows(refunds)))

    page = previewed.content.decode()
    assert previewed.status_code == 200 and previewed.context["confirm_form"] is not None
    assert f"Preview for {shop}: 2 refunds to settle, 0 already settled" in page
    assert refunds[0].return_request.ran in page and "50.00 EUR" in page
    assert statuses(refunds) == [RefundStatus.APPROVED] * 2

    confirmed = confirm(finance, previewed)

    assert messages_of(confirmed) == [f"Confirmations of {shop} imported: 2 refunds settled, 0 already settled."]
    assert statuses(refunds) == [RefundStatus.ISSUED] * 2
    assert {refund.return_request.state for refund in Refund.objects.filter(pk__in=[r.pk for r in refunds])} == {
        ReturnState.REFUNDED}


def test_an_xlsx_file_with_date_cells_is_read_too(finance, shop, staff):
    refund = owed_refund(shop, staff)
    paid = timezone.localtime(timezone=shop.zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    upload = xlsx_upload(["Refund ID", "Reference", "Date paid", "Amount"], [[refund.pk, "PAY-X1", paid, 50]])

    confirm(finance, preview(finance, shop, upload, XLSX_FORMAT))

    assert Refund.objects.get(pk=refund.pk).external_reference == "PAY-X1"


def test_a_bad_row_shows_each_problem_and_offers_no_confirmation(finance, shop, staff):
    refunds = [owed_refund(shop, staff), owed_refund(shop, staff)]
    rows = confirmation_rows(refunds)
    rows[1]["date_paid"] = "tomorrow"

    previewed = preview(finance, shop, csv_upload(rows))

    page = previewed.content.decode()
    assert previewed.context.get("confirm_form") is None
    assert "Nothing was imported: 1 problem" in page and "<code>date_paid</code>" in page
    assert "&#x27;tomorrow&#x27; is not a date" in page
    assert statuses(refunds) == [RefundStatus.APPROVED] * 2


def test_a_refund_paid_between_preview_and_confirmation_stops_the_whole_import(finance, shop, staff):
    refunds = [owed_refund(shop, staff), owed_refund(shop, staff)]
    previewed = preview(finance, shop, csv_upload(confirmation_rows(refunds)))
    services.issue_refund(refund=refunds[1], actor=staff.finance, reference="PSP-BY-PHONE")

    confirmed = confirm(finance, previewed)

    [message] = messages_of(confirmed)
    assert message.startswith("Nothing was imported: Row 3, column reference: refund")
    assert "'PSP-BY-PHONE'" in message
    assert statuses(refunds) == [RefundStatus.APPROVED, RefundStatus.ISSUED]


def test_another_clients_refunds_are_refused_for_the_client_picked(finance, shop, staff):
    theirs = owed_refund(client_with_policy(auto_authorize=False), staff)

    previewed = preview(finance, shop, csv_upload(confirmation_rows([theirs])))

    assert "is another client&#x27;s" in previewed.content.decode()
    assert previewed.context.get("confirm_form") is None


def test_a_file_over_the_size_limit_is_refused(finance, shop, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.csv", b"refund_id,reference,date_paid\n" + b"1,P,2026-11-30\n" * 80_000)

    previewed = preview(finance, shop, upload)

    [error] = previewed.context["form"].errors["import_file"]
    assert "an import file is at most 1.0 MB" in error


def test_an_xlsx_file_over_the_row_limit_is_refused(finance, shop, staff, settings):
    settings.IMPORT_MAX_ROWS = 2
    refund = owed_refund(shop, staff)
    upload = xlsx_upload(["refund_id", "reference", "date_paid"], [[refund.pk, "P", "2026-11-30"]] * 5)

    previewed = preview(finance, shop, upload, XLSX_FORMAT)

    [error] = previewed.context["form"].errors["import_file"]
    assert "more than 2 rows under its header" in error


@pytest.mark.parametrize("group", ["dock", "inspector", "customer_service"])
def test_the_import_is_refused_to_the_floor(client, shop, staff, group):
    refund = owed_refund(shop, staff)
    client.force_login(getattr(staff, group))

    assert client.get(IMPORT_URL).status_code == 403
    assert preview(client, shop, csv_upload(confirmation_rows([refund]))).status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.APPROVED


def test_the_import_page_names_the_columns(finance):
    page = finance.get(IMPORT_URL).content.decode()

    assert "refund_id" in page and "date_paid" in page and 'name="client"' in page
