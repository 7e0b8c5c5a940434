"""Reads of the refunds stage that services and screens share."""

from decimal import Decimal

from django.db.models import Sum

from core.money import ZERO
from refunds.models import COUNTING_STATUSES, OPEN_STATUSES, Refund, RefundStatus, StoreCreditEntry
from rma.models import Customer, Order, ReturnRequest


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
