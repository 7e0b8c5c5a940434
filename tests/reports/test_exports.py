"""Exports from the admin lists: exactly the rows the list shows, readable columns, typed values, flat queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from inspection.models import Inspection
from rma.models import ReturnItem, ReturnRequest, ReturnState
from tests.factories import client_with_policy, order_for, requested_return, return_in_state
from tests.reports.exports import (
    EXPORTS,
    admin_url,
    as_records,
    content_of,
    exported,
    request_export,
    xlsx_sheet,
)

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

HEADERS = {
    "returns": [
        "RAN", "Client", "Order number", "Customer email", "Customer name", "Channel", "State", "Requested at",
        "In state since", "Units", "Refund amount", "Currency", "Refund method", "Carrier", "Tracking number",
        "Notes", "Decision reason",
    ],
    "units": [
        "RAN", "Unit", "Client", "Order number", "SKU", "Description", "Category", "Serial number", "Reason",
        "Comment", "Unit price", "Currency", "State", "Requested at",
    ],
    "inspections": [
        "RAN", "Unit", "Client", "SKU", "Grade", "Missing", "Matches request", "Accessories complete",
        "Original packaging", "Serial number found", "Defect category", "Notes", "Inspector", "Inspected at",
        "Seconds taken",
    ],
    "dispositions": [
        "RAN", "Unit", "Client", "SKU", "Recommended action", "Action", "Rule", "Override reason",
        "Expected recovery value", "Repair cost estimate", "Currency", "Destination", "Decided by", "Decided at",
    ],
    "refunds": [
        "RAN", "Client", "Order number", "Customer email", "Refund amount", "Store-credit bonus", "Currency",
        "Method", "Status", "Proposed at", "Approved at", "Issued at", "Denied at", "External reference",
        "Denial reason",
    ],
    "stock movements": ["Moved at", "Client", "Warehouse", "SKU", "Quantity", "RAN", "Recorded by"],
    "dock scans": ["Scanned at", "Code", "Normalized code", "Result", "RAN", "Scanned by", "Note"],
}


@pytest.fixture
def manager(client, staff):
    client.force_login(staff.manager)
    return client


def listed(client, label: str, params: dict) -> list:
    """The rows the changelist itself shows for these filters (every page of them)."""
    response = client.get(admin_url(label, "changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].queryset)


# -- columns -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("export", list(EXPORTS))
def test_every_export_has_readable_column_names_and_one_row_per_object(manager, staff, export, file_format):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)

    header, *rows = exported(manager, EXPORTS[export], file_format=file_format)

    assert header == HEADERS[export]
    assert len(rows) == 1


def test_returns_export_values_are_typed_money_quantized_and_times_iso(manager, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)

    (csv_record,) = as_records(exported(manager, "rma.returnrequest"))
    sheet = xlsx_sheet(content_of(request_export(manager, "rma.returnrequest", file_format="xlsx")))
    header = [cell.value for cell in sheet[1]]
    xlsx_cell = {name: sheet.cell(row=2, column=header.index(name) + 1) for name in header}

    assert csv_record["RAN"] == rma.ran
    assert csv_record["Client"] == rma.client.name
    assert csv_record["Order number"] == rma.order.number
    assert csv_record["Customer email"] == rma.customer.email
    assert csv_record["State"] == "dispositioned"
    assert csv_record["Units"] == "2"
    assert csv_record["Refund amount"] == "100.00"
    assert csv_record["Currency"] == "EUR"
    assert csv_record["Requested at"] == rma.requested_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ISO_UTC.match(csv_record["In state since"])
    assert xlsx_cell["Refund amount"].data_type == "n" and xlsx_cell["Refund amount"].value == 100
    assert xlsx_cell["Refund amount"].number_format == "0.00"
    assert xlsx_cell["Units"].data_type == "n" and xlsx_cell["Units"].value == 2
    assert xlsx_cell["Requested at"].is_date
    assert xlsx_cell["Requested at"].value == rma.requested_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    assert xlsx_cell["Requested at"].number_format == 'yyyy-mm-dd"T"hh:mm:ss"Z"'


@pytest.mark.parametrize(("currency", "price", "shown"), [
    ("EUR", "12.5", "12.50"), ("JPY", "1200", "1200"), ("KWD", "12.5", "12.500"),
])
def test_money_is_quantized_to_its_currency(manager, staff, currency, price, shown):
    client = client_with_policy()
    order = order_for(client, quantity=1, unit_price=price, currency=currency)
    requested_return(client=client, order=order, units=1, staff=staff)

    (record,) = as_records(exported(manager, "rma.returnitem"))
    (cell,) = [row[10] for row in xlsx_sheet(content_of(
        request_export(manager, "rma.returnitem", file_format="xlsx"))).iter_rows(min_row=2)]

    assert record["Unit price"] == shown and record["Currency"] == currency
    assert cell.value == Decimal(shown) and cell.data_type == "n"


def test_booleans_read_yes_and_no_in_csv_and_are_booleans_in_xlsx(manager, staff):
    return_in_state(ReturnState.INSPECTED, staff=staff, units=1)

    (record,) = as_records(exported(manager, "inspection.inspection"))
    (xlsx_record,) = as_records(exported(manager, "inspection.inspection", file_format="xlsx"))

    assert (record["Missing"], record["Matches request"]) == ("no", "yes")
    assert (xlsx_record["Missing"], xlsx_record["Matches request"]) == (False, True)


# -- exactly the rows the list shows -----------------------------------------------------------------


@pytest.fixture
def returns_in_view(staff):
    """Returns of two clients, in several states, with several reasons."""
    return {
        "authorized": return_in_state(ReturnState.AUTHORIZED, staff=staff, reason="defective"),
        "requested": return_in_state(ReturnState.REQUESTED, staff=staff, reason="size_fit"),
        "in_transit": return_in_state(ReturnState.IN_TRANSIT, staff=staff, reason="defective"),
        "refunded": return_in_state(ReturnState.REFUNDED, staff=staff, reason="changed_mind"),
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("params", [
    lambda r: {},
    lambda r: {"state__exact": "authorized"},
    lambda r: {"client__id__exact": r["in_transit"].client_id},
    lambda r: {"reason": "defective"},
    lambda r: {"reason": "defective", "o": "-3"},
    lambda r: {"q": r["authorized"].ran.lower().replace("-", " ")},
    lambda r: {"q": r["refunded"].customer.email},
    lambda r: {"channel__exact": "phone", "p": "1"},
], ids=["all", "state", "client", "reason", "reason-ordered", "ran-typed-loosely", "email", "first-page-link"])
def test_returns_export_holds_exactly_the_rows_the_list_shows_in_its_order(
    manager, returns_in_view, params, file_format
):
    query = params(returns_in_view)

    records = as_records(exported(manager, "rma.returnrequest", query, file_format))

    assert [r["Order number"] for r in records] == [rma.order.number for rma in listed(manager,
                                                                                          "rma.returnrequest", query)]


def test_a_ran_typed_loosely_exports_only_its_return(manager, returns_in_view):
    wanted = returns_in_view["authorized"]

    records = as_records(exported(manager, "rma.returnrequest", {"q": wanted.ran[3:].replace("-", "").lower()}))

    assert [r["RAN"] for r in records] == [wanted.ran]


def test_refunds_export_opens_on_the_waiting_queue_like_the_list(manager, staff):
    waiting = return_in_state(ReturnState.DISPOSITIONED, staff=staff)
    issued = return_in_state(ReturnState.REFUNDED, staff=staff)

    by_default = as_records(exported(manager, "refunds.refund"))
    everything = as_records(exported(manager, "refunds.refund", {"queue": "all"}))
    issued_only = as_records(exported(manager, "refunds.refund", {"queue": "issued"}))

    assert [r["RAN"] for r in by_default] == [waiting.ran]
    assert {r["RAN"] for r in everything} == {waiting.ran, issued.ran}
    assert [(r["RAN"], r["Status"]) for r in issued_only] == [(issued.ran, "issued")]


def test_units_list_filters_by_client_reason_and_state_and_finds_ran_sku_and_serial(manager, staff):
    defective = return_in_state(ReturnState.AUTHORIZED, staff=staff, reason="defective", units=2)
    other = return_in_state(ReturnState.REQUESTED, staff=staff, reason="size_fit", units=1)
    ReturnItem.objects.filter(return_request=other).update(serial_number="SN-OTHER-1")
    unit_rans = {
        "client": ({"return_request__client__id__exact": defective.client_id}, [defective.ran] * 2),
        "reason": ({"reason__exact": "size_fit"}, [""]),
        "state": ({"return_request__state__exact": "authorized"}, [defective.ran] * 2),
        "ran": ({"q": defective.ran.replace("-", " ")}, [defective.ran] * 2),
        "sku": ({"q": other.items.get().order_line.sku}, [""]),
        "serial": ({"q": "SN-OTHER-1"}, [""]),
    }

    for params, rans in unit_rans.values():
        records = as_records(exported(manager, "rma.returnitem", params))
        assert [r["RAN"] for r in records] == rans, params
        assert len(listed(manager, "rma.returnitem", params)) == len(rans), params


def test_an_unknown_filter_sends_the_user_back_to_the_list(manager):
    response = request_export(manager, "rma.returnrequest", {"no_such_field": "1"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_export_page_lists_the_columns_and_the_two_formats(manager):
    page = manager.get(admin_url("rma.returnrequest", "export"), {"state__exact": "authorized"})

    assert page.status_code == 200
    assert "RAN, Client, Order number" in page.content.decode()
    assert [label for _, label in page.context["form"].fields["format"].choices] == ["---", "csv", "xlsx"]


def test_the_export_page_names_the_filters_and_search_and_counts_the_rows(manager, returns_in_view):
    wanted = returns_in_view["authorized"]

    page = manager.get(admin_url("rma.returnrequest", "export"), {"state__exact": "authorized", "q": wanted.ran})

    text = page.content.decode()
    assert page.context["scope"] == ["State: Authorized", f"Search: {wanted.ran}"]
    assert "<strong>1 row</strong> will be exported" in text and "<li>State: Authorized</li>" in text


def test_the_refund_export_page_names_the_queue_it_opens_on(manager, staff):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff)
    return_in_state(ReturnState.REFUNDED, staff=staff)

    page = manager.get(admin_url("refunds.refund", "export"))

    assert page.context["rows_total"] == 1
    assert len(page.context["scope"]) == 1 and "aiting" in page.context["scope"][0]


def test_an_unfiltered_export_page_says_it_holds_the_whole_list(manager, returns_in_view):
    page = manager.get(admin_url("rma.returnrequest", "export"))

    assert page.context["scope"] == [] and "The whole list" in page.content.decode()
    assert page.context["rows_total"] == ReturnRequest.objects.count()


# -- queries -----------------------------------------------------------------------------------------


def test_export_queries_do_not_grow_with_the_rows(manager, staff, django_assert_max_num_queries):
    client = client_with_policy(auto_authorize=False)
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=client)

    def export_all(export: str, file_format: str) -> None:
        params = {"queue": "all"} if export == "refunds" else {}
        content_of(request_export(manager, EXPORTS[export], params, file_format))

    with_one_row = {}
    for export in EXPORTS:
        for file_format in ("csv", "xlsx"):
            with django_assert_max_num_queries(50) as captured:
                export_all(export, file_format)
            with_one_row[export, file_format] = len(captured)
    for _ in range(49):
        return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=client)
    assert ReturnRequest.objects.count() == Inspection.objects.count() == 50

    for (export, file_format), queries in with_one_row.items():
        with django_assert_max_num_queries(queries):
            export_all(export, file_format)
