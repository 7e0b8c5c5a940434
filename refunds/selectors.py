"""Reads of the refunds stage that services and screens share."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from core.money import ZERO
from core.words import counted
from refunds.models import COUNTING_STATUSES, OPEN_STATUSES, Refund, RefundStatus, StoreCreditEntry
from rma.lists import WHOLE_LIST, ListQuery, ListSpec, Viewer, list_rows
from rma.models import Customer, Order, ReturnEvent, ReturnEventType, ReturnItem, ReturnRequest


def open_refund(*, rma: ReturnRequest) -> Refund | None:
    """The refund still to be paid: waiting for approval, approved, or failed and to be retried."""
    return Refund.objects.filter(return_request=rma, status__in=[*OPEN_STATUSES, RefundStatus.FAILED]).first()


def refunded_on_order(*, order: Order) -> Decimal:
    """Every refund made or pending on the order: ours (not denied or failed) and the client's own."""
    ours = Refund.objects.filter(
        return_request__order=order, status__in=COUNTING_STATUSES
    ).aggregate(total=Sum("amount"))["total"]
    return (ours or ZERO) + order.refunded_outside


def store_credit_balance(*, customer: Customer, currency: str) -> Decimal:
    total = StoreCreditEntry.objects.filter(customer=customer, currency=currency).aggregate(total=Sum("amount"))
    return total["total"] or ZERO


# A customer with this many returns is worth a second look.
FREQUENT_RETURNER = 5


@dataclass(frozen=True)
class FraudSignals:
    """What finance weighs before paying: units that were not what was asked back, and habits."""

    mismatched_units: int
    missing_units: int
    serial_mismatches: int
    customer_returns: int

    def as_list(self) -> list[str]:
        signals = []
        if self.mismatched_units:
            signals.append(f"{counted(self.mismatched_units, 'unit')} did not match the request")
        if self.missing_units:
            signals.append(f"{counted(self.missing_units, 'unit')} missing")
        if self.serial_mismatches:
            signals.append(f"{counted(self.serial_mismatches, 'serial number mismatch', 'serial number mismatches')}")
        if self.customer_returns >= FREQUENT_RETURNER:
            signals.append(f"customer has {counted(self.customer_returns, 'return')}")
        return signals



def finance_queue() -> QuerySet[Refund]:
    """Refunds with everything the queue shows, in a fixed number of queries whatever the rows."""
    units = ReturnItem.objects.select_related("inspection", "order_line").order_by("unit_number")
    customer_returns = (
        ReturnRequest.objects.filter(customer=OuterRef("return_request__customer"))
        .values("customer").annotate(n=Count("id")).values("n")
    )
    return (
        Refund.objects.select_related("return_request__client", "return_request__customer", "return_request__order")
        .prefetch_related(Prefetch("return_request__items", queryset=units))
        .annotate(customer_returns=Subquery(customer_returns, output_field=IntegerField()))
    )


# Finance's queues: the refunds list opens on what waits for approval.
REFUND_QUEUES = {
    "pending": ("Waiting for approval", [RefundStatus.PENDING_APPROVAL]),
    "approved": ("Approved, to issue", [RefundStatus.APPROVED, RefundStatus.FAILED]),
    "requested": ("Sent to the client", [RefundStatus.REQUESTED]),
    "issued": ("Issued", [RefundStatus.ISSUED]),
    "denied": ("Denied", [RefundStatus.DENIED]),
    "all": ("All", None),
}
DEFAULT_QUEUE = "pending"


def queue_of(value: str | None) -> str:
    return value if value in REFUND_QUEUES else DEFAULT_QUEUE


def in_queue(refunds: QuerySet[Refund], value: str | None) -> QuerySet[Refund]:
    statuses = REFUND_QUEUES[queue_of(value)][1]
    return refunds if statuses is None else refunds.filter(status__in=statuses)


REFUNDS_LIST = ListSpec(
    rows=finance_queue,
    client_path="return_request__client",
    customer_path="return_request__customer",
    filter_fields=frozenset({"method", "return_request__client"}),
    search_fields=("return_request__order__number", "external_reference"),
    ran_path="return_request__ran",
    email_path="return_request__customer__email",
    ordering=("proposed_at", "id"),
    named_filters={"queue": in_queue},
)


def refunds_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[Refund]:
    """Refunds in one of finance's queues (`queue`, waiting for approval unless named), as `viewer` may see them."""
    return list_rows(REFUNDS_LIST, viewer=viewer, query=query)


def _serial_mismatch(item: ReturnItem, inspection) -> bool:
    found = inspection.serial_number_found
    if not found:
        return False
    expected = item.serial_number or None
    known = item.order_line.serial_numbers or []
    return (expected is not None and found != expected) or (bool(known) and found not in known)


def fraud_signals(*, refund: Refund) -> FraudSignals:
    """From a refund of finance_queue(): reads only what it prefetched."""
    inspections = [
        (item, item.inspection) for item in refund.return_request.items.all() if hasattr(item, "inspection")
    ]
    return FraudSignals(
        mismatched_units=sum(1 for _, i in inspections if not i.matches_request and not i.missing),
        missing_units=sum(1 for _, i in inspections if i.missing),
        serial_mismatches=sum(1 for item, i in inspections if _serial_mismatch(item, i)),
        customer_returns=getattr(refund, "customer_returns", 0) or 0,
    )


def issued_refund_totals(*, returns: QuerySet[ReturnRequest]) -> list[dict]:
    """Per method and currency, the issued refunds of `returns`: how many, their amount and store-credit bonus."""
    return list(
        Refund.objects.filter(return_request__in=returns, status=RefundStatus.ISSUED).order_by()
        .values("method", "currency")
        .annotate(refunds=Count("id"), amount=Sum("amount"), bonus=Sum("bonus_amount"))
    )


@dataclass(frozen=True)
class DailyTotal:
    day: dt.date
    client: str
    currency: str
    approved: int
    approved_amount: Decimal
    issued: int
    issued_amount: Decimal


def daily_totals(*, since: dt.date, until: dt.date, tzinfo: dt.tzinfo) -> list[DailyTotal]:
    """Per day (in `tzinfo`), client and currency: refunds approved and issued, and their amounts, newest first."""
    start = dt.datetime.combine(since, dt.time(), tzinfo)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo)
    keys = ("day", "return_request__client__name", "currency")

    def per_day(moment: str) -> dict[tuple, dict]:
        rows = (
            Refund.objects.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
            .annotate(day=TruncDate(moment, tzinfo=tzinfo)).order_by()
            .values(*keys).annotate(n=Count("id"), total=Sum("amount"))
        )
        return {tuple(row[key] for key in keys): row for row in rows}

    approved, issued = per_day("approved_at"), per_day("issued_at")
    totals = [
        DailyTotal(
            day=key[0], client=key[1], currency=key[2],
            approved=approved.get(key, {}).get("n", 0), approved_amount=approved.get(key, {}).get("total") or ZERO,
            issued=issued.get(key, {}).get("n", 0), issued_amount=issued.get(key, {}).get("total") or ZERO,
        )
        for key in approved.keys() | issued.keys()
    ]
    return sorted(totals, key=lambda total: (-total.day.toordinal(), total.client, total.currency))


def delivery_failure(*, refund: Refund) -> ReturnEvent | None:
    """Why a failed refund never reached the client's payment system: its latest refund_failed event."""
    if refund.status != RefundStatus.FAILED:
        return None
    return (refund.return_request.events.filter(action=ReturnEventType.REFUND_FAILED, details__refund=refund.pk)
            .order_by("-at", "-id").first())
