"""The reports' given: March 2026 at two clients, every step through the services at a known moment (UTC).

What the figures must come to, worked out by hand, is written beside each return and in tests that use it.

Alpha Apparel (EUR) sold 15 units in March: order A1, 10 × A-TEE at 20.00; order A2, 5 × A-JKT at 100.00
(order A0, 4 × A-TEE, was placed in February). Beta Electronics (USD) sold 2 units: order B1, 2 × B-LAP
at 1000.00 (order B0, 3 × B-LAP, was placed on 28 February, 23:30).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import time_machine

from disposition import services as disposition_services
from inspection import services as inspection_services
from refunds import services as refund_services
from rma import services as rma_services
from rma.models import Client, Order, ReturnRequest
from tests.factories import ClientFactory, OrderFactory, OrderLineFactory, PolicyFactory, Staff

UTC = dt.UTC
REPORT_NOW = dt.datetime(2026, 4, 1, 12, tzinfo=UTC)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
GRADE_A = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


def march(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@dataclass
class March:
    alpha: Client
    beta: Client
    returns: dict[str, ReturnRequest]


def client_named(name: str, code: str) -> Client:
    client = ClientFactory(name=name, code=code, contact_email=f"returns@{code}.example")
    PolicyFactory(client=client, auto_authorize=False)
    return client


def order(client: Client, number: str, placed: dt.datetime, sku: str, quantity: int, price: str, currency: str):
    with at(placed):
        placed_order = OrderFactory(
            client=client, number=number, ordered_at=placed, delivered_at=placed + dt.timedelta(days=2),
            currency=currency,
        )
    OrderLineFactory(order=placed_order, line_number=1, sku=sku, description=f"{sku} description",
                     quantity=quantity, unit_price=Decimal(price))
    return placed_order


def request(placed_order: Order, units: int, reason: str, when: dt.datetime, staff: Staff,
            refund_method: str | None = None) -> ReturnRequest:
    with at(when):
        return rma_services.create_return_request(
            order=placed_order, items=[{"order_line": placed_order.lines.get(), "quantity": units, "reason": reason}],
            channel="phone", actor=staff.customer_service, refund_method=refund_method,
        )


def walk(rma: ReturnRequest, staff: Staff, *, authorized=None, in_transit=None, received=None, inspected=None,
         findings=(), dispositioned=None, refunded=None, reference: str | None = None) -> ReturnRequest:
    """Move `rma` on through the services, each step at its moment; a step without a moment is not taken."""
    if authorized:
        with at(authorized):
            rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    if in_transit:
        with at(in_transit):
            rma_services.mark_in_transit(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="T1")
    if received:
        with at(received):
            rma_services.receive_scan(code=ReturnRequest.objects.get(pk=rma.pk).ran, actor=staff.dock)
    if inspected:
        with at(inspected):
            for item, finding in zip(rma.items.order_by("unit_number"), findings, strict=True):
                inspection_services.record_inspection(item=item, actor=staff.inspector, **{**GRADE_A, **finding})
    if dispositioned:
        with at(dispositioned):
            for item in rma.items.order_by("unit_number"):
                disposition_services.confirm_disposition(item=item, actor=staff.inspector)
    if refunded:
        with at(refunded):
            refund = rma.refunds.get()
            refund_services.approve_refund(refund=refund, actor=staff.finance)
            refund_services.issue_refund(refund=refund, actor=staff.finance, reference=reference)
    return ReturnRequest.objects.get(pk=rma.pk)


def march_returns(staff: Staff) -> March:
    alpha = client_named("Alpha Apparel", "alpha")
    beta = client_named("Beta Electronics", "beta")
    a0 = order(alpha, "A0", dt.datetime(2026, 2, 20, 10, tzinfo=UTC), "A-TEE", 4, "20.00", "EUR")
    a1 = order(alpha, "A1", march(2, 10), "A-TEE", 10, "20.00", "EUR")
    a2 = order(alpha, "A2", march(3, 10), "A-JKT", 5, "100.00", "EUR")
    order(beta, "B0", dt.datetime(2026, 2, 28, 23, 30, tzinfo=UTC), "B-LAP", 3, "1000.00", "USD")
    b1 = order(beta, "B1", march(1, 0, 30), "B-LAP", 2, "1000.00", "USD")

    returns = {
        # February: outside the period.
        "R0": request(a0, 1, "changed_mind", dt.datetime(2026, 2, 25, 10, tzinfo=UTC), staff),
        # 2 units; 2 h to authorize, 4 h to ship, 18 h in transit, 1 h to inspect (unit 2: C, cosmetic),
        # 2 h to disposition (restock 20.00, refurbish 12.00), 24 h to refund 40.00 to the card. 51 h to refund.
        "R1": walk(
            request(a1, 2, "size_fit", march(10, 9), staff), staff,
            authorized=march(10, 11), in_transit=march(10, 15), received=march(11, 9), inspected=march(11, 10),
            findings=({}, {"grade": "C", "defect_category": "cosmetic"}), dispositioned=march(11, 12),
            refunded=march(12, 12), reference="PSP-R1",
        ),
        # 1 unit; 4 h to authorize, 44 h from authorized to received (no carrier update), 1 h to inspect
        # (D, functional), 1 h to disposition (liquidate 20.00), 6 h to refund 100.00 as store credit. 56 h.
        "R2": walk(
            request(a2, 1, "defective", march(15, 8), staff, refund_method="store_credit"), staff,
            authorized=march(15, 12), received=march(17, 8), inspected=march(17, 9),
            findings=({"grade": "D", "defect_category": "functional"},), dispositioned=march(17, 10),
            refunded=march(17, 16),
        ),
        # Waiting for authorization since 25 March: over its 24-hour target on 1 April.
        "R3": request(a0, 1, "changed_mind", march(25, 10), staff),
        # Rejected: counts no unit.
        "R4": walk(request(a1, 1, "changed_mind", march(5, 10), staff), staff),
        # Cancelled after 10 h to authorize: counts no unit, but its time to authorize counts.
        "R5": walk(request(b1, 1, "not_as_described", march(6, 10), staff), staff, authorized=march(6, 20)),
        # 1 unit; 6 h, 18 h, 48 h in transit, 3 h, 1 h (restock 1000.00 USD), 24 h to refund 1000.00 USD. 100 h.
        "R6": walk(
            request(b1, 1, "changed_mind", march(20, 10), staff), staff,
            authorized=march(20, 16), in_transit=march(21, 10), received=march(23, 10), inspected=march(23, 13),
            findings=({},), dispositioned=march(23, 14), refunded=march(24, 14), reference="PSP-R6",
        ),
        # Authorized an hour after the request, within its 14-day target on 1 April.
        "R7": walk(request(a2, 1, "wrong_item", march(31, 10), staff), staff, authorized=march(31, 11)),
        # April: outside the period.
        "R8": request(a1, 1, "size_fit", dt.datetime(2026, 4, 1, 0, 30, tzinfo=UTC), staff),
    }
    with at(march(5, 12)):
        returns["R4"] = rma_services.reject_return(rma=returns["R4"], actor=staff.customer_service, reason="No")
    with at(march(7, 9)):
        returns["R5"] = rma_services.cancel_return(rma=returns["R5"], actor=staff.customer_service, reason="Kept")
    return March(alpha=alpha, beta=beta, returns=returns)
