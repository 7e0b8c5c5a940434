"""Client orders, the proof of purchase every return is checked against: imported from the client's files.

An order line a return claims is never changed: see rma.states.HOLDING_PROOF_OF_PURCHASE.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import DomainError, InvalidInput
from core.imports import ImportProblem
from core.money import quantize
from rma import order_import
from rma.models import Client, Customer, Order, OrderCorrection, OrderLine, ReturnItem, ReturnRequest
from rma.services._common import invalid_fields
from rma.states import HOLDING_PROOF_OF_PURCHASE

# What a manager may correct on a line by hand; the order number and line number name it and stay.
CORRECTABLE_LINE_FIELDS = ("sku", "description", "category", "quantity", "unit_price", "serial_numbers")
BULK_BATCH = 2000
WRITTEN_MEANWHILE = ImportProblem(
    None, "", "Another import, or an order entered meanwhile, wrote some of the file's orders or customers while "
    "it was being applied: nothing was imported. Import the file again.",
)


def import_orders(
    *, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]], actor: Actor, dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> order_import.OrderImportReport:
    """Create and correct client orders from an order file (see rma.order_import), all or nothing.

    Every row is checked before anything is written; with any problem nothing is, and the report
    names each problem by row and column. A dry run reports what would change and writes nothing.
    An order imported before is compared cell by cell: unchanged, it is left alone, so importing a
    file again changes nothing; a changed line is corrected unless a return claims it, and the
    order's own columns change only while no return claims any of its lines. Lines missing from the
    file are kept: an import never deletes. A new customer takes the name, phone and address of its
    first order in the file; an existing customer is left as it is.

    Checking only reads, holding no lock, however long the file: a client's returns and orders stay
    free meanwhile. Applying then takes one transaction, as short as bulk writes make it: it locks the
    orders it changes (a return requested meanwhile locks its order too, and waits), compares those
    again with the database (a return may have claimed a line since, or another import written an
    order), and writes in bulk. The client's row is never locked: the unique order number and customer
    email per client keep two imports (or an import and an order entered over the API) from writing the
    same order twice; the one that loses gets nothing applied and says so. `on_progress` hears (rows
    checked, rows in the file).
    """
    require(actor, "reports.import_orders", action="import client orders")
    order_file = order_import.OrderFile(columns=columns, rows=rows)
    clients = Client.objects.in_bulk(order_file.client_codes(), field_name="code")
    orders, problems = order_file.read(clients=clients, on_progress=on_progress)
    problems += _plan_order_changes(orders)
    report = order_import.OrderImportReport(orders=orders, problems=problems, dry_run=dry_run)
    if not report.applied:
        return report
    try:
        with transaction.atomic():
            current = Client.objects.in_bulk([client.pk for client in clients.values()])
            # Only what the import writes is compared again: an order found unchanged gets no write.
            changing = [order for order in orders if order.action != order_import.UNCHANGED]
            problems = _inactive_clients(orders, current) + _plan_order_changes(changing, lock=True)
            if problems:
                return order_import.OrderImportReport(orders=orders, problems=problems, dry_run=dry_run)
            _save_imported_orders(orders)
    except IntegrityError:
        return order_import.OrderImportReport(orders=orders, problems=[WRITTEN_MEANWHILE], dry_run=dry_run)
    return report


def _inactive_clients(orders: list[order_import.OrderInFile], clients: dict[int, Client]) -> list[ImportProblem]:
    return [
        ImportProblem(order.row, "client_code", f"client '{order.client.code}' was made inactive meanwhile")
        for order in orders if not clients[order.client.pk].is_active
    ]


def _plan_order_changes(orders: list[order_import.OrderInFile], *, lock: bool = False) -> list[ImportProblem]:
    """Mark every order and line new, updated or unchanged; changing a return's proof of purchase is a problem.

    With `lock`, the orders found are locked: a return requested meanwhile (it locks its order too)
    waits for the import, and so the plan holds until the import commits.
    """
    if not orders:
        return []
    wanted = {(order.client.pk, order.number) for order in orders}
    found = Order.objects.select_related("customer").filter(
        client__in={order.client.pk for order in orders}, number__in={order.number for order in orders}
    )
    if lock:
        found = found.select_for_update(of=("self",)).order_by("pk")
    existing = {
        (order.client_id, order.number): order for order in found.prefetch_related("lines")
        if (order.client_id, order.number) in wanted
    }
    claims = {
        item.order_line_id: item.return_request
        for item in ReturnItem.objects.filter(
            order_line__order__in=[order.pk for order in existing.values()],
            return_request__state__in=HOLDING_PROOF_OF_PURCHASE,
        )
        .select_related("return_request")
    }
    claim_on_order = {rma.order_id: rma for rma in claims.values()}
    customers = {
        (customer.client_id, customer.email): customer
        for customer in Customer.objects.filter(
            client__in={order.client.pk for order in orders}, email__in={order.email for order in orders}
        )
    }

    problems = []
    for order in orders:
        order.customer = customers.get((order.client.pk, order.email))
        order.new_customer = order.customer is None
        order.record = existing.get((order.client.pk, order.number))
        order.action = order_import.NEW
        if order.record is None:
            order.changed = []
            for line in order.lines:
                line.record, line.action, line.changed = None, order_import.NEW, []
            continue
        order.changed = [column for column in ["customer_email", *order_import.ORDER_FIELDS]
                         if order.cells[column] != _stored_order_value(order.record, column)]
        rma = claim_on_order.get(order.record.pk)
        problems += [
            ImportProblem(
                order.row, column, f"order {order.number} is the proof of purchase of return {rma}; it cannot change"
            )
            for column in order.changed if rma
        ]
        problems += _plan_line_changes(order, claims)
        lines_unchanged = all(line.action == order_import.UNCHANGED for line in order.lines)
        order.action = order_import.UNCHANGED if not order.changed and lines_unchanged else order_import.UPDATE
    return problems


def _stored_order_value(order: Order, column: str) -> Any:
    return order.customer.email if column == "customer_email" else getattr(order, column)


def _plan_line_changes(order: order_import.OrderInFile, claims: dict[int, ReturnRequest]) -> list[ImportProblem]:
    stored = {line.line_number: line for line in order.record.lines.all()}
    problems = []
    for line in order.lines:
        line.record = stored.get(line.line_number)
        if line.record is None:
            line.action, line.changed = order_import.NEW, []
            continue
        line.changed = [name for name in order_import.LINE_FIELDS if line.cells[name] != getattr(line.record, name)]
        line.action = order_import.UPDATE if line.changed else order_import.UNCHANGED
        rma = claims.get(line.record.pk)
        problems += [
            ImportProblem(
                line.row, column,
                f"line {line.line_number} of order {order.number} is claimed by return {rma}; it cannot change",
            )
            for column in line.changed if rma
        ]
    return problems


def _save_imported_orders(orders: list[order_import.OrderInFile]) -> None:
    """Write the planned changes in a few bulk statements: a file of 100,000 lines commits in seconds."""
    changing = [order for order in orders if order.action != order_import.UNCHANGED]
    _create_new_customers(changing)
    now = timezone.now()
    new_orders, updated_orders = [], []
    for order in changing:
        if order.record is None:
            order.record = Order(client=order.client, number=order.number, customer=order.customer, **order.values())
            new_orders.append(order.record)
        elif order.changed:
            order.record.customer = order.customer
            for name, value in order.values().items():
                setattr(order.record, name, value)
            order.record.updated_at = now
            updated_orders.append(order.record)
    Order.objects.bulk_create(new_orders, batch_size=BULK_BATCH)
    Order.objects.bulk_update(
        updated_orders, ["customer", *order_import.ORDER_FIELDS, "updated_at"], batch_size=BULK_BATCH
    )
    new_lines, updated_lines = [], []
    for order in changing:
        for line in order.lines:
            if line.record is None:
                line.record = OrderLine(order=order.record, line_number=line.line_number, **line.values())
                new_lines.append(line.record)
            elif line.changed:
                for name in line.changed:
                    setattr(line.record, name, line.cells[name])
                updated_lines.append(line.record)
    OrderLine.objects.bulk_create(new_lines, batch_size=BULK_BATCH)
    OrderLine.objects.bulk_update(updated_lines, list(order_import.LINE_FIELDS), batch_size=BULK_BATCH)


def _create_new_customers(orders: list[order_import.OrderInFile]) -> None:
    """One customer per new email of a client, with the details of its first order in the file."""
    new: dict[tuple[int, str], Customer] = {}
    for order in orders:
        if order.customer is not None:
            continue
        key = (order.client.pk, order.email)
        if key not in new:
            details = {name: order.cells[name] for name in ["phone", *order_import.ADDRESS_FIELDS]}
            new[key] = Customer(client=order.client, email=order.email, name=order.cells["customer_name"], **details)
        order.customer = new[key]
    Customer.objects.bulk_create(new.values(), batch_size=BULK_BATCH)


@transaction.atomic
def correct_order_line(*, line: OrderLine, actor: Actor, reason: str, **changes: Any) -> OrderLine:
    """Correct a line of a client's order by hand (a wrong price or quantity), keeping each change's history.

    Refused once a return claims the line: it is that return's proof of purchase. `changes` names fields
    of CORRECTABLE_LINE_FIELDS; a value equal to the stored one is no change.
    """
    actor = require(actor, "rma.change_orderline", action="correct order lines", on=line.order)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the line is corrected.")
    unknown = sorted(set(changes) - set(CORRECTABLE_LINE_FIELDS))
    if unknown:
        raise InvalidInput(f"These cannot be corrected by hand: {', '.join(unknown)}.")
    # Lock the order, as requests and imports do: a return cannot claim the line while it changes.
    Order.objects.select_for_update().get(pk=line.order_id)
    line = OrderLine.objects.get(pk=line.pk)
    claim = ReturnItem.objects.filter(order_line=line, return_request__state__in=HOLDING_PROOF_OF_PURCHASE).first()
    if claim is not None:
        raise DomainError(
            f"Line {line.line_number} of order {line.order.number} is the proof of purchase of return "
            f"{claim.return_request}; it cannot change.", code="claimed_line",
        )
    before = {name: getattr(line, name) for name in changes}
    for name, value in changes.items():
        setattr(line, name, value)
    try:
        line.full_clean(exclude=["order"])
    except ValidationError as error:
        raise invalid_fields(error) from None
    if quantize(line.unit_price, line.order.currency) != line.unit_price:
        raise InvalidInput(f"A price in {line.order.currency} has at most its currency's decimals.")
    changed = [name for name in changes if getattr(line, name) != before[name]]
    if not changed:
        return line
    line.save(update_fields=changed)
    now = timezone.now()
    OrderCorrection.objects.bulk_create(
        OrderCorrection(
            order_id=line.order_id, line=line, field=name, old_value=str(before[name]),
            new_value=str(getattr(line, name)), reason=reason, corrected_by=user_of(actor), corrected_at=now,
        )
        for name in changed
    )
    return OrderLine.objects.get(pk=line.pk)
