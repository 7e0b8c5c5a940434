"""A client's settlement file: the refunds its own systems owe (original payment, exchanges), in CSV and XLSX."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from core.actors import StaffActor
from core.errors import PermissionRefused
from refunds import services, settlement
from refunds.models import RefundStatus
from rma.models import ReturnState
from tests.factories import client_with_policy, return_in_state
from tests.outbox.receiver import Answer
from tests.refunds.settlement_data import approved_exchange, failed_on_the_way, owed_refund, refund_for, sent_to_client

PAGE = reverse("admin:refunds_refund_settlement")


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def download(client, merchant, file_format: str = "csv"):
    return client.get(PAGE, {"client": merchant.pk, "file_format": file_format})


def test_the_file_lists_only_the_clients_refunds_it_owes_through_the_original_payment(staff, merchant, receiver):
    receiver.answers = [Answer(202), Answer(500)]
    approved = owed_refund(merchant, staff)
    requested = sent_to_client(owed_refund(merchant, staff), staff)
    failed = failed_on_the_way(owed_refund(merchant, staff), staff)
    refund_for(merchant, staff)  # pending approval: not owed yet
    issued = services.issue_refund(refund=owed_refund(merchant, staff), actor=staff.finance, reference="PSP-1")
    services.deny_refund(refund=refund_for(merchant, staff), actor=staff.finance, reason="Worn")
    owed_refund(client_with_policy(auto_authorize=False), staff)  # another client's
    assert (requested.status, failed.status, issued.status) == (
        RefundStatus.REQUESTED, RefundStatus.FAILED, RefundStatus.ISSUED)

    rows = settlement.settlement_rows(client=merchant, actor=staff.finance)

    assert [row[0] for row in rows] == [approved.pk, requested.pk, failed.pk]
    status = settlement.SETTLEMENT_COLUMNS.index("status")
    assert [row[status] for row in rows] == ["approved", "requested", "failed"]


def test_each_row_names_the_refund_its_return_order_payment_and_amount(staff, merchant):
    refund = owed_refund(merchant, staff, payment_method="paypal", payment_reference="PAYID-77")
    rma = refund.return_request

    [row] = settlement.settlement_rows(client=merchant, actor=staff.finance)

    assert dict(zip(settlement.SETTLEMENT_COLUMNS, row, strict=True)) == {
        "refund_id": refund.pk, "ran": rma.ran, "order_number": rma.order.number, "method": "original_payment",
        "exchange_sku": "", "payment_method": "paypal", "payment_reference": "PAYID-77", "amount": Decimal("50.00"),
        "currency": "EUR", "status": "approved", "approved_at": refund.approved_at,
    }


def test_an_exchange_the_client_owes_is_listed_with_the_sku_to_send(staff, client):
    shop = client_with_policy(auto_authorize=False, refund_methods=["original_payment", "exchange", "store_credit"])
    exchange = approved_exchange(staff, shop, sku="KE-TEE-L-RED")
    credit = return_in_state(ReturnState.DISPOSITIONED, staff=staff, client=shop, units=1,
                             refund_method="store_credit").refunds.get()
    services.approve_refund(refund=credit, actor=staff.finance)  # credited at once: nothing owed
    client.force_login(staff.finance)

    [row] = csv_rows(download(client, shop).content)

    assert (row["refund_id"], row["method"], row["exchange_sku"]) == (str(exchange.pk), "exchange", "KE-TEE-L-RED")
    assert row["ran"] == exchange.return_request.ran


@pytest.mark.parametrize(("currency", "unit_price", "written"), [
    ("EUR", "19.90", "19.90"), ("JPY", "5000", "5000"), ("KWD", "12.345", "12.345"),
])
def test_amounts_have_their_currencys_decimals_in_both_formats(staff, client, merchant, currency, unit_price, written):
    owed_refund(merchant, staff, currency=currency, unit_price=unit_price)
    client.force_login(staff.finance)

    [row] = csv_rows(download(client, merchant).content)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, merchant, "xlsx").content)).active
    amount = sheet.cell(row=2, column=settlement.SETTLEMENT_COLUMNS.index("amount") + 1)

    assert (row["amount"], row["currency"]) == (written, currency)
    assert Decimal(str(amount.value)) == Decimal(written)
    assert amount.number_format == ("0" if "." not in written else "0." + "0" * len(written.split(".")[1]))


def test_a_payment_reference_looking_like_a_formula_is_written_as_text(staff, client, merchant):
    owed_refund(merchant, staff, payment_reference='=HYPERLINK("http://evil.example","pay")')
    client.force_login(staff.finance)

    [row] = csv_rows(download(client, merchant).content)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, merchant, "xlsx").content)).active
    cell = sheet.cell(row=2, column=settlement.SETTLEMENT_COLUMNS.index("payment_reference") + 1)

    assert row["payment_reference"] == '\'=HYPERLINK("http://evil.example","pay")'
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://evil.example","pay")')


def test_finance_picks_a_client_on_the_page_and_downloads_its_file(staff, client, merchant):
    refund = owed_refund(merchant, staff)
    client.force_login(staff.finance)

    page = client.get(PAGE)
    response = download(client, merchant)

    assert page.status_code == 200 and merchant.name in page.content.decode()
    assert response["Content-Disposition"].startswith(f'attachment; filename="settlement-{merchant.code}-')
    assert [row["refund_id"] for row in csv_rows(response.content)] == [str(refund.pk)]
    refunds_list = client.get(reverse("admin:refunds_refund_changelist")).content.decode()
    assert PAGE in refunds_list and reverse("admin:refunds_refund_import") in refunds_list


def test_a_bad_choice_on_the_page_is_a_form_error_not_a_file(staff, client, merchant):
    client.force_login(staff.finance)

    response = client.get(PAGE, {"client": merchant.pk, "file_format": "pdf"})

    assert response.status_code == 200 and response.context["form"].errors["file_format"]


@pytest.mark.parametrize("group", ["dock", "inspector", "customer_service"])
def test_only_finance_and_managers_download_settlement_files(staff, client, merchant, group):
    client.force_login(getattr(staff, group))

    assert download(client, merchant).status_code == 403
    with pytest.raises(PermissionRefused):
        settlement.settlement_rows(client=merchant, actor=StaffActor(user=getattr(staff, group)))


def test_a_manager_downloads_them_too(staff, client, merchant):
    client.force_login(staff.manager)

    assert download(client, merchant, "xlsx").status_code == 200
