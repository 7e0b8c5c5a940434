"""Corrections: a second refund on a return already refunded, when a unit turns up later or a price was wrong.

A correction is a refund of its own (`is_correction`, with its reason), proposed by finance and then
approved and issued like any refund (refunds.services: the same approvals, the same channels). It never
takes what the order refunded, ours and the client's own, above what the order's lines were paid. The
return stays `refunded` throughout: a correction issued or denied is an event of its timeline, not a
transition.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import DomainError, InvalidInput, TransitionRefused
from core.money import ZERO, format_money, quantize
from refunds import selectors
from refunds.models import Refund, RefundStatus
from rma import later_stages
from rma.models import Order, RefundMethod, ReturnEventType, ReturnRequest, ReturnState

LONGEST_REASON = 2000


def _paid_on(order: Order) -> Decimal:
    return sum((line.unit_price * line.quantity for line in order.lines.all()), ZERO)


def _validated_amount(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidInput(f"Give the correction as an amount in {currency}, e.g. 12.50.")
    if amount <= ZERO:
        raise InvalidInput("A correction pays the customer more: give an amount above nothing.")
    if quantize(amount, currency) != amount:
        raise InvalidInput(f"Give the amount in {currency} with at most its currency's decimals.")
    return quantize(amount, currency)


def _method_of_correction(refunded: Refund) -> str:
    # The replacement order of an exchange is placed already: what was short goes back to what paid.
    return RefundMethod.ORIGINAL_PAYMENT if refunded.method == RefundMethod.EXCHANGE else refunded.method


@transaction.atomic
def correct_refund(*, rma: ReturnRequest, actor: Actor, amount: Decimal, reason: str) -> Refund:
    """Propose paying a refunded return `amount` more, for `reason`; it waits for approval like any refund."""
    actor = require(actor, "refunds.correct_refund", action="correct refunds", on=rma)
    reason = (reason or "").strip()
    if not reason or len(reason) > LONGEST_REASON:
        raise InvalidInput(f"Say why the refund is corrected, in at most {LONGEST_REASON} characters.")
    rma = later_stages.lock_return(rma=rma)
    if rma.state != ReturnState.REFUNDED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}: only a refunded return's refund is corrected."
        )
    refunded = Refund.objects.get(return_request=rma, is_correction=False, status=RefundStatus.ISSUED)
    currency = refunded.currency
    amount = _validated_amount(amount, currency)
    # Lock the order: corrections on two of its returns at once must not both take what is left of it.
    order = Order.objects.select_for_update().get(pk=rma.order_id)
    if order.charged_back_at:
        raise DomainError(f"Order {order.number} was charged back: nothing more is refunded on it.",
                          code="charged_back")
    paid = quantize(_paid_on(order), currency)
    refunded_so_far = quantize(selectors.refunded_on_order(order=order), currency)
    room = max(paid - refunded_so_far, ZERO)
    if amount > room:
        raise InvalidInput(
            f"At most {format_money(room, currency)} more can be refunded on order {order.number}: "
            f"{format_money(paid, currency)} paid, {format_money(refunded_so_far, currency)} refunded or on its way."
        )
    now = timezone.now()
    correction = Refund.objects.create(
        return_request=rma, amount=amount, currency=currency, method=_method_of_correction(refunded),
        is_correction=True, correction_reason=reason, proposed_by=user_of(actor), proposed_at=now,
        breakdown={"currency": currency, "correction_of": refunded.pk, "order_items_paid": str(paid),
                   "earlier_refunds": str(refunded_so_far), "cap": str(room), "amount": str(amount)},
    )
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_CORRECTION_PROPOSED, actor=actor, note=reason, at=now,
        details={"refund": correction.pk, "corrects": refunded.pk, "amount": str(amount), "currency": currency,
                 "method": correction.method},
    )
    return correction


def settle(*, rma: ReturnRequest, refund: Refund, actor: Actor, reference: str) -> Refund:
    """A correction paid (issuing.settle for corrections): the return stays refunded, its timeline says so."""
    refund.issue(by=user_of(actor), at=timezone.now(), reference=reference)
    refund.save(update_fields=["status", "issued_by", "issued_at", "external_reference"])
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_CORRECTION_ISSUED, actor=actor, note=refund.correction_reason,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
                 "method": refund.method, "reference": reference},
    )
    return refund


def record_denial(*, rma: ReturnRequest, refund: Refund, actor: Actor) -> None:
    """A correction denied (refunds.services.deny_refund): the return keeps its refund and stays refunded."""
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_CORRECTION_DENIED, actor=actor, note=refund.denial_reason,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency},
    )
