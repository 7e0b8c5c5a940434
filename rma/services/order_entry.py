"""A client's order entered one at a time (by its systems, over the API), checked by the order file's rules."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from core.actors import Actor, require
from core.errors import DomainError, InvalidInput
from rma import order_import
from rma.models import Client, Customer, Order
from rma.services.orders import _save_imported_orders

CUSTOMER_FIELDS = ["email", "name", "phone", *order_import.ADDRESS_FIELDS]
LINE_COLUMNS = ["line_number", *order_import.LINE_FIELDS]
# An order file's column, as the fields of an entered order name it.
_FIELD_OF_COLUMN = {
    "order_number": "number", "customer_email": "customer.email", "customer_name": "customer.name",
    "phone": "customer.phone", **{name: f"customer.{name}" for name in order_import.ADDRESS_FIELDS},
}


class InvalidOrder(InvalidInput):
    """An order that breaks the order file's rules, each problem under the field it is about."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__("The order is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))


@transaction.atomic
def create_order(
    *,
    client: Client,
    actor: Actor,
    number: str,
    customer: dict[str, Any],
    lines: list[dict[str, Any]],
    ordered_at: dt.datetime,
    payment_method: str,
    currency: str,
    delivered_at: dt.datetime | None = None,
    payment_reference: str = "",
    outbound_shipping_paid: Decimal | None = None,
) -> Order:
    """Create one order of `client` with its lines; its number must be new for the client.

    The cells are checked exactly as an order file's (rma.order_import), so an order entered and an
    order imported obey the same rules. A new customer email makes a customer; a known one is kept as it is.
    """
    require(actor, "rma.add_order", action="create orders", on=client)
    # Lock the client: two entries of one number at once would otherwise both pass the duplicate check.
    client = Client.objects.select_for_update().get(pk=client.pk)
    order_cells = {
        "client_code": client.code, "order_number": number, "ordered_at": ordered_at, "delivered_at": delivered_at,
        "payment_method": payment_method, "payment_reference": payment_reference, "currency": currency,
        "outbound_shipping_paid": outbound_shipping_paid,
        **{_customer_column(name): value for name, value in customer.items()},
    }
    # The file's serial numbers column lists them in one cell.
    rows = [{**order_cells, **line, "serial_numbers": ";".join(line.get("serial_numbers") or [])} for line in lines]
    if not rows:
        raise InvalidOrder({"lines": ["An order has at least one line."]})
    orders, problems = order_import.OrderFile(columns=list(order_import.COLUMNS), rows=rows).read(
        clients={client.code: client}
    )
    if problems:
        raise InvalidOrder(_fields_of(problems))
    entered = orders[0]
    if Order.objects.filter(client=client, number=entered.number).exists():
        raise DomainError(
            f"{client} already has an order {entered.number}; an order is created once.", code="duplicate_order"
        )
    entered.customer = Customer.objects.filter(client=client, email=entered.email).first()
    try:
        with transaction.atomic():
            _save_imported_orders([entered])
    except IntegrityError:
        # An import locks no client: the same order (or customer) committed by one meanwhile.
        raise DomainError(
            f"{client} already has an order {entered.number}, imported just now; an order is created once.",
            code="duplicate_order",
        ) from None
    return Order.objects.select_related("customer").prefetch_related("lines").get(pk=entered.record.pk)


def _customer_column(name: str) -> str:
    return {"email": "customer_email", "name": "customer_name"}.get(name, name)


def _fields_of(problems: list[order_import.ImportProblem]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for problem in problems:
        if problem.column in LINE_COLUMNS:
            name = f"lines[{problem.row - order_import.HEADER_ROW - 1}].{problem.column}"
        else:
            name = _FIELD_OF_COLUMN.get(problem.column, problem.column)
        messages = fields.setdefault(name, [])
        if problem.message not in messages:  # an order's cell is read once per line
            messages.append(problem.message)
    return fields
