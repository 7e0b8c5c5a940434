"""Reading a client order file: one row per order line, grouped into orders, every bad cell named.

The column rules live here; rma.services.import_orders compares the orders read with the database
and applies them. Row numbers are the spreadsheet's: the header is row 1, the first line row 2.
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone

from core import moments, money
from core.imports import HEADER_ROW, ImportProblem, ImportReport, RowReader, header_problems
from rma.models import Client, Customer, Order, OrderLine, PaymentMethod

# Every column of the file, and whether it must have a value; optional columns may be left out.
COLUMNS = {
    "client_code": True,
    "order_number": True,
    "customer_email": True,
    "customer_name": False,
    "phone": False,
    "address_line1": False,
    "address_line2": False,
    "city": False,
    "region": False,
    "postal_code": False,
    "country": False,
    "ordered_at": True,
    "delivered_at": False,
    "payment_method": True,
    "payment_reference": False,
    "currency": True,
    "outbound_shipping_paid": False,
    "line_number": True,
    "sku": True,
    "description": False,
    "category": False,
    "quantity": True,
    "unit_price": True,
    "serial_numbers": False,
}
ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "region", "postal_code", "country"]
# Stored on the order; the customer's email picks the customer.
ORDER_FIELDS = [
    *ADDRESS_FIELDS, "ordered_at", "delivered_at", "payment_method", "payment_reference", "currency",
    "outbound_shipping_paid",
]
# What every row of one order repeats, and must repeat identically.
ORDER_COLUMNS = ["customer_email", "customer_name", "phone", *ORDER_FIELDS]
LINE_FIELDS = ["sku", "description", "category", "quantity", "unit_price", "serial_numbers"]

NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
ACTION_LABELS = {NEW: "new", UPDATE: "updated", UNCHANGED: "unchanged"}
# How often reading a file reports its progress, in rows.
PROGRESS_EVERY = 1000

_LARGEST_WHOLE_NUMBER = 2**31 - 1  # PositiveIntegerField
_LARGEST_AMOUNT = Decimal(10) ** 9  # MONEY: 12 digits, 3 of them decimals
_PLAIN_NUMBER = re.compile(r"-?\d*\.?\d+")
_SERIAL_SEPARATORS = re.compile(r"[;|]")


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


_TEXT_LIMITS = {
    "order_number": _max_length(Order, "number"),
    "customer_name": _max_length(Customer, "name"),
    "phone": _max_length(Customer, "phone"),
    "address_line1": _max_length(Order, "address_line1"),
    "address_line2": _max_length(Order, "address_line2"),
    "city": _max_length(Order, "city"),
    "region": _max_length(Order, "region"),
    "postal_code": _max_length(Order, "postal_code"),
    "payment_reference": _max_length(Order, "payment_reference"),
    "sku": _max_length(OrderLine, "sku"),
    "description": _max_length(OrderLine, "description"),
    "category": _max_length(OrderLine, "category"),
}


@dataclass
class LineInFile:
    """One order line as the file gives it, and what importing it does."""

    row: int
    cells: dict[str, Any]
    action: str = NEW
    changed: list[str] = field(default_factory=list)
    record: OrderLine | None = None  # the line in the database, once it exists

    @property
    def line_number(self) -> int:
        return self.cells["line_number"]

    def values(self) -> dict[str, Any]:
        return {name: self.cells[name] for name in LINE_FIELDS}


@dataclass
class OrderInFile:
    """One order: the cells of its first row, its lines, and what importing it does."""

    client: Client
    row: int
    cells: dict[str, Any]
    lines: list[LineInFile]
    action: str = NEW
    changed: list[str] = field(default_factory=list)
    customer: Customer | None = None  # None until a new customer is created
    new_customer: bool = False
    record: Order | None = None  # the order in the database, once it exists

    @property
    def number(self) -> str:
        return self.cells["order_number"]

    @property
    def email(self) -> str:
        return self.cells["customer_email"]

    def values(self) -> dict[str, Any]:
        return {name: self.cells[name] for name in ORDER_FIELDS}


@dataclass(kw_only=True)
class OrderImportReport(ImportReport):
    """What an import of this kind did, or in a dry run would do (core.imports.ImportReport)."""

    orders: list[OrderInFile]

    @property
    def summary(self) -> str:
        lines = [line for order in self.orders for line in order.lines]
        customers = {(order.client.pk, order.email) for order in self.orders if order.new_customer}
        return (
            f"{_counted(self.orders, 'order')}, {_counted(lines, 'line')}, "
            f"{len(customers)} new customer{'' if len(customers) == 1 else 's'}"
        )


def _counted(items: list, noun: str) -> str:
    actions = [item.action for item in items]
    counts = ", ".join(f"{actions.count(action)} {label}" for action, label in ACTION_LABELS.items())
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'} ({counts})"


def _as_text(value: Any) -> str:
    """A cell as text: a spreadsheet's whole number loses its '.0', a date reads as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _as_decimal(value: Any) -> Decimal | None:
    """The exact number a cell holds, or None. A spreadsheet's float goes through its shortest repr."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        return number if number.is_finite() else None
    text = _as_text(value)
    return Decimal(text) if _PLAIN_NUMBER.fullmatch(text) else None


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "nothing"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


class _RowReader(RowReader):
    """Reads the cells of one row of an order file; a bad cell reads as None."""

    def _given(self, column: str) -> bool:
        text = _as_text(self.raw.get(column))
        if "\x00" in text:
            # PostgreSQL stores no NUL character: refused here, not by the database on confirming.
            self.problem(column, "contains a NUL character")
            return False
        if text:
            return True
        if COLUMNS[column]:
            self.problem(column, "required, but empty")
        return False

    def text(self, column: str) -> str | None:
        if not self._given(column):
            return ""
        text = _as_text(self.raw[column])
        if len(text) > _TEXT_LIMITS[column]:
            self.problem(column, f"longer than {_TEXT_LIMITS[column]} characters")
            return None
        return text

    def code(self, column: str, pattern: str, description: str) -> str | None:
        if not self._given(column):
            return ""
        text = _as_text(self.raw[column]).upper()
        if not re.fullmatch(pattern, text):
            self.problem(column, f"'{_as_text(self.raw[column])}' is not {description}")
            return None
        return text

    def email(self, column: str) -> str | None:
        if not self._given(column):
            return None
        email = Customer.normalize_email(_as_text(self.raw[column]))
        try:
            validate_email(email)
        except ValidationError:
            self.problem(column, f"'{email}' is not an email address")
            return None
        if len(email) > _max_length(Customer, "email"):
            self.problem(column, f"longer than {_max_length(Customer, 'email')} characters")
            return None
        return email

    def choice(self, column: str, choices: list[str]) -> str | None:
        if not self._given(column):
            return None
        value = _as_text(self.raw[column]).lower()
        if value not in choices:
            self.problem(column, f"'{value}' is not one of {', '.join(choices)}")
            return None
        return value

    def whole_number(self, column: str) -> int | None:
        if not self._given(column):
            return None
        number = _as_decimal(self.raw[column])
        shown = _as_text(self.raw[column])
        if number is None or number != number.to_integral_value():
            self.problem(column, f"'{shown}' is not a whole number")
        elif number < 1:
            self.problem(column, f"'{shown}' is less than 1")
        elif number > _LARGEST_WHOLE_NUMBER:
            self.problem(column, f"'{shown}' is too large")
        else:
            return int(number)
        return None

    def amount(self, column: str, currency: str | None) -> Decimal | None:
        """Money, exactly as written: more decimals than the currency has is refused, never rounded."""
        if not self._given(column):
            return money.ZERO
        number = _as_decimal(self.raw[column])
        shown = _as_text(self.raw[column])
        if number is None:
            self.problem(column, f"'{shown}' is not a number (write it like 1234.50)")
        elif number < 0:
            self.problem(column, f"'{shown}' is negative")
        elif number >= _LARGEST_AMOUNT:
            self.problem(column, f"'{shown}' is too large")
        elif currency and money.quantize(number, currency) != number:
            self.problem(column, f"'{shown}' has more decimals than {currency} has ({money.minor_unit(currency)})")
        else:
            return money.quantize(number, currency) if currency else number
        return None

    def moment(self, column: str, client: Client | None) -> dt.datetime | None:
        """ISO 8601; a date or time without an offset is read in the client's time zone."""
        if not self._given(column):
            return None
        value = self.raw[column]
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
        else:
            try:
                moment = dt.datetime.fromisoformat(_as_text(value))
            except ValueError:
                self.problem(column, f"'{_as_text(value)}' is not an ISO 8601 date (2026-03-01 or 2026-03-01T14:30)")
                return None
        if not moments.in_our_years(moment):
            self.problem(column, f"'{_shown(moment)}' is not {moments.OUR_YEARS}")
            return None
        if client is None:
            return None
        return timezone.make_aware(moment, client.zone) if timezone.is_naive(moment) else moment

    def client(self, column: str, clients: Mapping[str, Client]) -> Client | None:
        if not self._given(column):
            return None
        code = _as_text(self.raw[column])
        client = clients.get(code)
        if client is None:
            self.problem(column, f"no client has the code '{code}'")
        elif not client.is_active:
            self.problem(column, f"client '{code}' is inactive")
        return client

    def serial_numbers(self, column: str) -> list[str]:
        if not self._given(column):
            return []
        return [serial.strip() for serial in _SERIAL_SEPARATORS.split(_as_text(self.raw[column])) if serial.strip()]


def _read_row(reader: _RowReader, clients: Mapping[str, Client]) -> tuple[Client, dict[str, Any]] | None:
    """The row's cells read into values, or None when any cell is bad (each bad cell noted)."""
    client = reader.client("client_code", clients)
    cells: dict[str, Any] = {
        "order_number": reader.text("order_number"),
        "customer_email": reader.email("customer_email"),
        "customer_name": reader.text("customer_name"),
        "phone": reader.text("phone"),
        "address_line1": reader.text("address_line1"),
        "address_line2": reader.text("address_line2"),
        "city": reader.text("city"),
        "region": reader.text("region"),
        "postal_code": reader.text("postal_code"),
        "country": reader.code("country", r"[A-Z]{2}", "a 2-letter ISO 3166 country code"),
        "ordered_at": reader.moment("ordered_at", client),
        "delivered_at": reader.moment("delivered_at", client),
        "payment_method": reader.choice("payment_method", PaymentMethod.values),
        "payment_reference": reader.text("payment_reference"),
        "currency": reader.code("currency", r"[A-Z]{3}", "a 3-letter ISO 4217 currency code"),
        "line_number": reader.whole_number("line_number"),
        "sku": reader.text("sku"),
        "description": reader.text("description"),
        "category": reader.text("category"),
        "quantity": reader.whole_number("quantity"),
        "serial_numbers": reader.serial_numbers("serial_numbers"),
    }
    cells["outbound_shipping_paid"] = reader.amount("outbound_shipping_paid", cells["currency"])
    cells["unit_price"] = reader.amount("unit_price", cells["currency"])
    ordered, delivered = cells["ordered_at"], cells["delivered_at"]
    if ordered and ordered > timezone.now():
        reader.problem("ordered_at", f"'{_shown(ordered)}' is in the future")
    if ordered and delivered and delivered < ordered:
        reader.problem("delivered_at", f"'{_shown(delivered)}' is before the order date {_shown(ordered)}")
    quantity = cells["quantity"]
    if quantity and len(cells["serial_numbers"]) > quantity:
        reader.problem("serial_numbers", f"{len(cells['serial_numbers'])} serial numbers for {quantity} units")
    return None if reader.bad or client is None else (client, cells)


class OrderFile:
    """The rows of an order file under its header, read into orders."""

    def __init__(self, *, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]]) -> None:
        # Header names are matched trimmed and case-insensitively; unnamed columns carry nothing of ours.
        self.columns = [_as_text(column).lower() for column in columns]
        self.rows = [
            {_as_text(column).lower(): value for column, value in row.items() if _as_text(column)} for row in rows
        ]

    def client_codes(self) -> set[str]:
        return {_as_text(row.get("client_code")) for row in self.rows} - {""}

    def header_problems(self) -> list[ImportProblem]:
        return header_problems(
            self.columns, known=list(COLUMNS), required=[column for column, required in COLUMNS.items() if required],
            file_label="order file",
        )

    def read(
        self, *, clients: Mapping[str, Client], on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[list[OrderInFile], list[ImportProblem]]:
        """The orders in the file, each with its lines, and a problem for every bad cell.

        Blank rows are skipped. Rows with the same client and order number make one order, and
        must agree on the order's columns; a line number appears once per order. `on_progress`
        hears (rows read, rows in the file) every PROGRESS_EVERY rows and at the end.
        """
        problems = self.header_problems()
        if problems:
            return [], problems
        orders: dict[tuple[int, str], OrderInFile] = {}
        for row, raw in enumerate(self.rows, start=HEADER_ROW + 1):
            if on_progress and (row - HEADER_ROW) % PROGRESS_EVERY == 0:
                on_progress(row - HEADER_ROW, len(self.rows))
            if not any(_as_text(value) for value in raw.values()):
                continue
            reader = _RowReader(row, raw, problems)
            read = _read_row(reader, clients)
            if read is None:
                continue
            client, cells = read
            line = LineInFile(row=row, cells=cells)
            key = (client.pk, cells["order_number"])
            order = orders.get(key)
            if order is None:
                orders[key] = OrderInFile(client=client, row=row, cells=cells, lines=[line])
            elif _agrees_with(reader, order, cells):
                order.lines.append(line)
        if on_progress:
            on_progress(len(self.rows), len(self.rows))
        return list(orders.values()), problems


def _agrees_with(reader: _RowReader, order: OrderInFile, cells: dict[str, Any]) -> bool:
    """A further row of an order repeats the order's columns and brings a line number of its own."""
    for column in ORDER_COLUMNS:
        if cells[column] != order.cells[column]:
            reader.problem(
                column,
                f"order {order.number} has {_shown(cells[column])} here but {_shown(order.cells[column])} "
                f"on row {order.row}",
            )
    taken = next((line for line in order.lines if line.line_number == cells["line_number"]), None)
    if taken:
        reader.problem("line_number", f"line {taken.line_number} of order {order.number} is already on row {taken.row}")
    return not reader.bad
