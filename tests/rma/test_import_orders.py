"""import_orders: a client's order file becomes orders, lines and customers, all or nothing."""

import csv
import datetime as dt
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import PermissionRefused
from rma import services as rma_services
from rma.models import Customer, Order, OrderLine, ReturnState
from rma.order_import import ADDRESS_FIELDS, COLUMNS
from tests.factories import ClientFactory, CustomerFactory, PolicyFactory, order_row, return_in_state

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def hafenwerk(db):
    client = ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")
    PolicyFactory(client=client, auto_authorize=False)
    return client


def row_of(line: OrderLine, **cells) -> dict:
    """The file row that imported `line` as it is stored now, with `cells` changed."""
    order = line.order
    row = {
        "client_code": order.client.code, "order_number": order.number, "customer_email": order.customer.email,
        "customer_name": order.customer.name, "phone": order.customer.phone,
        **{name: getattr(order, name) for name in ADDRESS_FIELDS},
        "ordered_at": order.ordered_at.isoformat(),
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else "",
        "payment_method": order.payment_method, "payment_reference": order.payment_reference,
        "currency": order.currency, "outbound_shipping_paid": str(order.outbound_shipping_paid),
        "line_number": str(line.line_number), "sku": line.sku, "description": line.description,
        "category": line.category, "quantity": str(line.quantity), "unit_price": str(line.unit_price),
        "serial_numbers": ";".join(line.serial_numbers),
    }
    row.update(cells)
    return row


def run_import(rows, actor, *, columns=None, dry_run=False):
    return rma_services.import_orders(
        columns=columns or list(COLUMNS), rows=rows, actor=actor, dry_run=dry_run
    )


def counts() -> tuple[int, int, int]:
    return Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()


def problems_of(report) -> list[tuple[int, str]]:
    return [(problem.row, problem.column) for problem in report.problems]


# -- a good file -----------------------------------------------------------------------------------


def test_rows_of_one_order_make_one_order_with_its_lines(hafenwerk, staff):
    rows = [
        order_row(),
        order_row(line_number="2", sku="HW-JKT", description="Rain jacket", category="outerwear",
                 quantity="1", unit_price="149.00", serial_numbers="SN-1"),
        order_row(order_number="HW-2", customer_email="ben@example.com", customer_name="Ben", unit_price="9.5"),
    ]

    report = run_import(rows, staff.manager)

    assert report.applied and report.problems == []
    order = Order.objects.get(number="HW-1")
    assert (order.client, order.customer.email, order.currency, order.payment_method, order.payment_reference) == (
        hafenwerk, "anna@example.com", "EUR", "card", "pi_1"
    )
    assert (order.address_line1, order.city, order.postal_code, order.country) == (
        "Elbchaussee 12", "Hamburg", "22763", "DE"
    )
    assert order.outbound_shipping_paid == Decimal("4.95")
    assert list(order.lines.values_list("line_number", "sku", "quantity", "unit_price", "serial_numbers")) == [
        (1, "HW-TEE", 2, Decimal("24.950"), []),
        (2, "HW-JKT", 1, Decimal("149.000"), ["SN-1"]),
    ]
    assert Order.objects.get(number="HW-2").lines.get().unit_price == Decimal("9.50")
    assert counts() == (2, 3, 2)
    assert report.summary == (
        "2 orders (2 new, 0 updated, 0 unchanged), 3 lines (3 new, 0 updated, 0 unchanged), 2 new customers"
    )


@pytest.mark.parametrize(("currency", "written", "stored"), [
    ("EUR", "24.9", Decimal("24.90")),
    ("EUR", "24.950", Decimal("24.95")),  # trailing zeros are exact, not rounding
    ("JPY", "1500", Decimal("1500")),
    ("KWD", "12.345", Decimal("12.345")),
    ("usd", "0", Decimal("0.00")),
])
def test_unit_price_is_stored_exactly_in_the_currencys_minor_unit(hafenwerk, staff, currency, written, stored):
    run_import([order_row(currency=currency, unit_price=written, outbound_shipping_paid="")], staff.manager)

    line = OrderLine.objects.get()
    assert line.unit_price == stored and line.order.currency == currency.upper()


@pytest.mark.parametrize(("currency", "written"), [("EUR", "24.955"), ("JPY", "1500.5"), ("KWD", "1.2345")])
def test_more_decimals_than_the_currency_has_is_refused_not_rounded(hafenwerk, staff, currency, written):
    report = run_import([order_row(currency=currency, unit_price=written, outbound_shipping_paid="")], staff.manager)

    assert problems_of(report) == [(2, "unit_price")]
    assert "more decimals than" in report.problems[0].message
    assert counts() == (0, 0, 0)


def test_spreadsheet_numbers_are_read_exactly(hafenwerk, staff):
    run_import([order_row(unit_price=19.99, quantity=2.0, line_number=1, outbound_shipping_paid=4)], staff.manager)

    line = OrderLine.objects.get()
    assert (line.unit_price, line.quantity, line.line_number) == (Decimal("19.99"), 2, 1)
    assert line.order.outbound_shipping_paid == Decimal("4.00")


def test_a_float_with_binary_noise_is_refused(hafenwerk, staff):
    report = run_import([order_row(unit_price=0.1 + 0.2)], staff.manager)

    assert problems_of(report) == [(2, "unit_price")]
    assert "'0.30000000000000004' has more decimals than EUR has (2)" in str(report.problems[0])


def test_a_date_without_time_is_midnight_in_the_clients_time_zone(hafenwerk, staff):
    run_import([order_row(ordered_at="2026-03-02", delivered_at="2026-07-01")], staff.manager)

    order = Order.objects.get()
    assert order.ordered_at == dt.datetime(2026, 3, 2, tzinfo=BERLIN)
    assert order.ordered_at == dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)  # CET, UTC+1
    assert order.delivered_at == dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)  # CEST, UTC+2


def test_a_time_without_offset_is_in_the_clients_time_zone_and_an_offset_is_kept(hafenwerk, staff):
    run_import([order_row(ordered_at="2026-03-02T14:30", delivered_at="2026-03-05T09:00:00Z")], staff.manager)

    order = Order.objects.get()
    assert order.ordered_at == dt.datetime(2026, 3, 2, 14, 30, tzinfo=BERLIN)
    assert order.delivered_at == dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)


def test_spreadsheet_date_cells_are_in_the_clients_time_zone(hafenwerk, staff):
    run_import([order_row(ordered_at=dt.datetime(2026, 3, 2, 0, 0), delivered_at=dt.date(2026, 3, 5))], staff.manager)

    order = Order.objects.get()
    assert (order.ordered_at, order.delivered_at) == (
        dt.datetime(2026, 3, 2, tzinfo=BERLIN), dt.datetime(2026, 3, 5, tzinfo=BERLIN)
    )


def test_the_customer_is_found_by_the_normalized_email(hafenwerk, staff):
    anna = CustomerFactory(client=hafenwerk, email="anna@example.com", name="Anna S.")

    report = run_import([order_row(customer_email="  Anna@Example.COM ", customer_name="Anna Schmidt")], staff.manager)

    assert Order.objects.get().customer == anna
    assert Customer.objects.get().name == "Anna S."  # an existing customer is left as it is
    assert not report.orders[0].new_customer


def test_a_new_customer_is_created_once_with_the_details_of_its_first_order(hafenwerk, staff):
    run_import([order_row(), order_row(order_number="HW-2", address_line1="Other street 1")], staff.manager)

    customer = Customer.objects.get()
    assert (customer.client, customer.email, customer.name, customer.phone) == (
        hafenwerk, "anna@example.com", "Anna Schmidt", "+49 40 5550 1234"
    )
    assert (customer.address_line1, customer.city, customer.country) == ("Elbchaussee 12", "Hamburg", "DE")
    assert customer.orders.count() == 2


def test_the_same_email_at_another_client_is_another_customer(hafenwerk, staff):
    ClientFactory(code="kestrel", time_zone="America/New_York")

    run_import([order_row(), order_row(client_code="kestrel", currency="USD")], staff.manager)

    assert sorted(Customer.objects.values_list("client__code", flat=True)) == ["hafenwerk", "kestrel"]
    assert Order.objects.get(client__code="kestrel").ordered_at == dt.datetime(
        2026, 3, 2, tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )


def test_serial_numbers_are_separated_by_semicolons_or_bars(hafenwerk, staff):
    run_import([order_row(quantity="3", serial_numbers=" SN-1; SN-2 | SN-3 ;")], staff.manager)

    assert OrderLine.objects.get().serial_numbers == ["SN-1", "SN-2", "SN-3"]


def test_formula_looking_cells_are_stored_as_plain_text(hafenwerk, staff):
    run_import([order_row(
        sku="-123", description='=HYPERLINK("http://evil.example","click")', category="@SUM(A1:A2)",
        payment_reference="+49123", customer_name="=1+2",
    )], staff.manager)

    line = OrderLine.objects.get()
    assert (line.sku, line.description, line.category) == (
        "-123", '=HYPERLINK("http://evil.example","click")', "@SUM(A1:A2)"
    )
    assert line.order.payment_reference == "+49123"
    assert line.order.customer.name == "=1+2"


def test_optional_columns_may_be_left_out_and_header_names_are_matched_loosely(hafenwerk, staff):
    required = [column for column, needed in COLUMNS.items() if needed]
    row = {f" {column.upper()} ": value for column, value in order_row().items() if column in required}

    report = run_import([row], staff.manager, columns=list(row))

    assert report.applied, report.problems
    order = Order.objects.get()
    assert (order.delivered_at, order.address_line1, order.outbound_shipping_paid) == (None, "", Decimal("0"))


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(hafenwerk, staff):
    blank = dict.fromkeys(COLUMNS, "")

    report = run_import([order_row(), blank, order_row(line_number="2", quantity="0")], staff.manager)

    assert problems_of(report) == [(4, "quantity")]


# -- importing again -------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(hafenwerk, staff):
    rows = [order_row(), order_row(line_number="2", sku="HW-JKT", serial_numbers="SN-1")]
    run_import(rows, staff.manager)
    order = Order.objects.get()

    report = run_import(rows, staff.manager)

    assert report.applied and [order.action for order in report.orders] == ["unchanged"]
    assert [line.action for line in report.orders[0].lines] == ["unchanged", "unchanged"]
    assert counts() == (1, 2, 1)
    assert Order.objects.get().updated_at == order.updated_at


def test_a_corrected_line_is_updated_when_no_return_claims_it(hafenwerk, staff):
    run_import([order_row(), order_row(line_number="2", sku="HW-JKT")], staff.manager)

    report = run_import([order_row(), order_row(line_number="2", sku="HW-JKT-2", unit_price="20.00")], staff.manager)

    assert report.orders[0].action == "update"
    assert [(line.action, line.changed) for line in report.orders[0].lines] == [
        ("unchanged", []), ("update", ["sku", "unit_price"])
    ]
    assert OrderLine.objects.get(line_number=2).sku == "HW-JKT-2"
    assert OrderLine.objects.get(line_number=2).unit_price == Decimal("20.00")
    assert counts() == (1, 2, 1)


def test_a_new_line_is_added_and_lines_missing_from_the_file_are_kept(hafenwerk, staff):
    run_import([order_row(), order_row(line_number="2", sku="HW-JKT")], staff.manager)

    report = run_import([order_row(), order_row(line_number="3", sku="HW-CAP")], staff.manager)

    assert [line.action for line in report.orders[0].lines] == ["unchanged", "new"]
    assert list(OrderLine.objects.values_list("line_number", "sku")) == [(1, "HW-TEE"), (2, "HW-JKT"), (3, "HW-CAP")]


def test_the_orders_columns_are_corrected_when_no_return_claims_it(hafenwerk, staff):
    run_import([order_row(delivered_at="")], staff.manager)

    report = run_import([order_row(delivered_at="2026-03-05", customer_email="anna.new@example.com")], staff.manager)

    order = Order.objects.get()
    assert report.orders[0].changed == ["customer_email", "delivered_at"]
    assert order.delivered_at == dt.datetime(2026, 3, 5, tzinfo=BERLIN)
    assert order.customer.email == "anna.new@example.com"
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("state", ReturnState.values)
def test_a_line_claimed_by_a_return_cannot_change_unless_it_was_rejected_or_cancelled(staff, state):
    rma = return_in_state(state, staff=staff)
    line = rma.items.first().order_line

    report = run_import([row_of(line, unit_price="1.00", quantity="5")], staff.manager)

    line.refresh_from_db()
    if state in {ReturnState.REJECTED, ReturnState.CANCELLED}:
        assert report.applied and (line.unit_price, line.quantity) == (Decimal("1.00"), 5)
    else:
        assert problems_of(report) == [(2, "quantity"), (2, "unit_price")]
        assert f"claimed by return {rma}; it cannot change" in report.problems[0].message
        assert (line.unit_price, line.quantity) == (Decimal("50.00"), 2)


def test_the_order_of_a_live_return_keeps_its_columns(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    line = rma.items.first().order_line

    report = run_import([row_of(line, currency="USD", customer_email="else@example.com")], staff.manager)

    assert problems_of(report) == [(2, "customer_email"), (2, "currency")]
    assert f"proof of purchase of return {rma}" in report.problems[0].message
    assert Order.objects.get().currency == "EUR" and Customer.objects.count() == 1


def test_the_order_of_a_live_return_may_gain_a_line_and_is_unchanged_when_imported_as_stored(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    line = rma.items.first().order_line

    report = run_import([row_of(line), row_of(line, line_number="2", sku="EXTRA")], staff.manager)

    assert report.applied
    assert [line.action for line in report.orders[0].lines] == ["unchanged", "new"]
    assert line.order.lines.count() == 2


# -- bad rows: each named by row and column, and nothing applied ------------------------------------


@pytest.mark.parametrize(("column", "value", "message"), [
    ("client_code", "nobody", "no client has the code 'nobody'"),
    ("client_code", "", "required, but empty"),
    ("order_number", "", "required, but empty"),
    ("order_number", "X" * 65, "longer than 64 characters"),
    ("customer_email", "anna@", "'anna@' is not an email address"),
    ("customer_email", " ", "required, but empty"),
    ("ordered_at", "02/03/2026", "'02/03/2026' is not an ISO 8601 date"),
    ("ordered_at", "", "required, but empty"),
    ("delivered_at", "2026-13-01", "'2026-13-01' is not an ISO 8601 date"),
    ("delivered_at", "2026-03-01", "is before the order date"),
    ("payment_method", "cash", "'cash' is not one of card, paypal, gift_card, bank_transfer, other"),
    ("currency", "EURO", "'EURO' is not a 3-letter ISO 4217 currency code"),
    ("currency", "", "required, but empty"),
    ("country", "DEU", "'DEU' is not a 2-letter ISO 3166 country code"),
    ("outbound_shipping_paid", "-4.95", "'-4.95' is negative"),
    ("line_number", "0", "'0' is less than 1"),
    ("line_number", "one", "'one' is not a whole number"),
    ("sku", "", "required, but empty"),
    ("quantity", "0", "'0' is less than 1"),
    ("quantity", "1.5", "'1.5' is not a whole number"),
    ("quantity", "9999999999", "'9999999999' is too large"),
    ("unit_price", "-1.00", "'-1.00' is negative"),
    ("unit_price", "12,50", "'12,50' is not a number"),
    ("unit_price", "=1+2", "'=1+2' is not a number"),
    ("unit_price", "1e3", "'1e3' is not a number"),
    ("unit_price", "1000000000", "'1000000000' is too large"),
    ("unit_price", "", "required, but empty"),
    ("serial_numbers", "A;B;C", "3 serial numbers for 2 units"),
    ("description", "Tee\x00", "contains a NUL character"),
])
def test_a_bad_last_row_is_named_by_row_and_column_and_nothing_is_applied(hafenwerk, staff, column, value, message):
    rows = [
        order_row(order_number="HW-1"),
        order_row(order_number="HW-2", customer_email="ben@example.com"),
        order_row(**{"order_number": "HW-3", "customer_email": "cleo@example.com", column: value}),
    ]

    report = run_import(rows, staff.manager)

    assert not report.applied
    assert problems_of(report) == [(4, column)]
    assert message in report.problems[0].message
    assert str(report.problems[0]).startswith(f"Row 4, column {column}: ")
    assert counts() == (0, 0, 0)


def test_an_order_date_in_the_future_is_refused(hafenwerk, staff):
    report = run_import([order_row(ordered_at="2099-01-01", delivered_at="")], staff.manager)

    assert [str(problem) for problem in report.problems] == [
        "Row 2, column ordered_at: '2099-01-01T00:00:00+01:00' is in the future"
    ]


@pytest.mark.parametrize(("column", "written"), [("ordered_at", "0001-01-01"), ("delivered_at", "9999-12-31")])
def test_a_date_outside_the_years_of_returns_is_refused(hafenwerk, staff, column, written):
    # A return's window counts days on from these: 31 Dec 9999 has no next day.
    report = run_import([order_row(**{column: written})], staff.manager)

    assert [str(problem) for problem in report.problems] == [
        f"Row 2, column {column}: '{written}T00:00:00' is not between 1 Jan 2000 and 31 Dec 2099"
    ]
    assert counts() == (0, 0, 0)


def test_an_inactive_client_takes_no_orders(hafenwerk, staff):
    ClientFactory(code="gone", is_active=False)

    report = run_import([order_row(client_code="gone")], staff.manager)

    assert [str(problem) for problem in report.problems] == ["Row 2, column client_code: client 'gone' is inactive"]


@pytest.mark.parametrize("column", ["customer_email", "currency", "ordered_at", "address_line1", "customer_name"])
def test_rows_of_one_order_must_agree_on_the_orders_columns(hafenwerk, staff, column):
    different = {"customer_email": "ben@example.com", "currency": "USD", "ordered_at": "2026-03-01",
                 "address_line1": "Elsewhere 1", "customer_name": "Ben"}

    report = run_import([order_row(), order_row(line_number="2", **{column: different[column]})], staff.manager)

    assert problems_of(report) == [(3, column)]
    assert "order HW-1 has" in report.problems[0].message and "on row 2" in report.problems[0].message
    assert counts() == (0, 0, 0)


def test_a_line_number_appears_once_per_order(hafenwerk, staff):
    report = run_import([order_row(), order_row(order_number="HW-2"), order_row(sku="OTHER")], staff.manager)

    assert [str(problem) for problem in report.problems] == [
        "Row 4, column line_number: line 1 of order HW-1 is already on row 2"
    ]
    assert counts() == (0, 0, 0)


def test_every_bad_cell_of_every_row_is_reported(hafenwerk, staff):
    rows = [
        order_row(currency="EURO", quantity="0"), order_row(order_number="HW-2"), order_row(order_number="HW-3", sku="")
    ]

    report = run_import(rows, staff.manager)

    assert problems_of(report) == [(2, "currency"), (2, "quantity"), (4, "sku")]


def test_the_header_must_name_the_columns_once_and_hold_the_required_ones(hafenwerk, staff):
    columns = [*[c for c in COLUMNS if c != "sku"], "sku ", "SKU", "colour"]

    report = run_import([order_row(colour="red")], staff.manager, columns=columns)

    assert [str(problem) for problem in report.problems] == [
        "Row 1, column sku: this column appears twice",
        "Row 1, column colour: not a column of the order file (" + ", ".join(COLUMNS) + ")",
    ]
    report = run_import([order_row()], staff.manager, columns=[c for c in COLUMNS if c != "unit_price"])
    assert [str(problem) for problem in report.problems] == [
        "Row 1, column unit_price: this required column is missing"
    ]
    assert counts() == (0, 0, 0)


# -- the preview and who may import ----------------------------------------------------------------


def test_a_dry_run_reports_what_would_change_and_writes_nothing(hafenwerk, staff):
    run_import([order_row()], staff.manager)
    before = Order.objects.get().updated_at

    report = run_import(
        [order_row(unit_price="20.00"), order_row(order_number="HW-2", customer_email="ben@example.com")],
        staff.manager, dry_run=True,
    )

    assert not report.applied and report.problems == []
    assert [(order.number, order.action, order.new_customer) for order in report.orders] == [
        ("HW-1", "update", False), ("HW-2", "new", True)
    ]
    assert counts() == (1, 1, 1)
    assert OrderLine.objects.get().unit_price == Decimal("24.95")
    assert Order.objects.get().updated_at == before


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector", "finance"])
def test_only_managers_import_orders(hafenwerk, staff, group):
    with pytest.raises(PermissionRefused):
        run_import([order_row()], getattr(staff, group))
    with pytest.raises(PermissionRefused):
        run_import([order_row()], None)

    assert counts() == (0, 0, 0)
    assert run_import([order_row()], staff.manager).applied


def test_the_example_file_linked_from_the_import_page_imports_cleanly(db, staff):
    ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")
    ClientFactory(code="kestrel", time_zone="America/New_York")
    path = Path(__file__).resolve().parents[2] / "static" / "rma" / "order-import-example.csv"
    with path.open(encoding="utf-8") as example:
        reader = csv.DictReader(example)
        report = run_import(list(reader), staff.manager, columns=reader.fieldnames, dry_run=True)

    assert reader.fieldnames == list(COLUMNS)
    assert report.problems == [] and len(report.orders) == 2
