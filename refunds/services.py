"""Refunds: proposing, approving or denying, and issuing; the issued refund ends the return.

Lock order everywhere: the return row first, then the refund row, so two services never wait
on each other.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidInput, NotConfigured, PermissionRefused, TransitionRefused
from core.money import ZERO
from core.permissions import require_permission
from inspection import selectors as inspection_selectors
from refunds import calculation, selectors
from refunds.models import CreditKind, Refund, RefundApproval, RefundStatus, StoreCreditEntry
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import RefundMethod, ReturnPolicy, ReturnRequest

User = AbstractBaseUser


def _unit_facts(*, rma: ReturnRequest) -> list[calculation.UnitFacts]:
    inspections = inspection_selectors.inspections_by_unit(rma=rma)
    facts = []
    for item in rma_selectors.units_of(rma=rma):
        inspection = inspections.get(item.pk)
        if inspection is None:
            why = "not inspected"
        elif inspection.missing:
            why = "missing from the parcel"
        elif not inspection.matches_request:
            why = "does not match the request"
        else:
            why = None
        facts.append(calculation.UnitFacts(
            item_id=item.pk, unit_number=item.unit_number, order_line_id=item.order_line_id,
            sku=item.order_line.sku, unit_price=item.order_line.unit_price, reason=item.reason,
            not_owed_because=why,
        ))
    return facts


def _terms(policy: ReturnPolicy) -> calculation.PolicyTerms:
    return calculation.PolicyTerms(
        restocking_fee_percent=policy.restocking_fee_percent,
        restocking_fee_reasons=frozenset(policy.restocking_fee_reasons or []),
        return_shipping_fee=policy.return_shipping_fee,
        customer_pays_shipping_reasons=frozenset(policy.customer_pays_shipping_reasons or []),
        store_credit_bonus_percent=policy.store_credit_bonus_percent,
    )


def compute_refund_for(*, rma: ReturnRequest) -> calculation.RefundComputation:
    """What the return is owed now, with its breakdown (also shown on screens before proposing)."""
    order = rma.order
    return calculation.compute_refund(
        units=_unit_facts(rma=rma),
        terms=_terms(rma.policy),
        currency=order.currency,
        order_items_paid=sum((line.unit_price * line.quantity for line in order.lines.all()), ZERO),
        earlier_refunds=selectors.refunded_on_order(order=order),
        store_credit=rma.refund_method == RefundMethod.STORE_CREDIT,
    )


def _nothing_owed_reason(computation: calculation.RefundComputation) -> str:
    not_owed = computation.breakdown["not_owed"]
    if not_owed and not computation.breakdown["units"]:
        details = ", ".join(f"unit {row['unit']} {row['why']}" for row in not_owed)
        return f"Nothing owed: {details}."
    return "Nothing owed after fees and earlier refunds."


@transaction.atomic
def propose_refund(*, rma: ReturnRequest, actor: User | None = None) -> Refund | None:
    """Compute the refund and queue it for approval; returns the open refund if there is one.

    When nothing is owed (every unit missing or mismatched), the return closes instead and None
    is returned.
    """
    if actor is not None:
        require_permission(actor, "refunds.propose_refund", action="propose refunds")
    rma = rma_services.lock_return(rma=rma)
    existing = selectors.open_refund(rma=rma)
    if existing is not None:
        return existing
    rma_services.ensure_transition_allowed(rma=rma, transition="refund")
    computation = compute_refund_for(rma=rma)
    if computation.nothing_owed:
        rma_services.close_without_refund(rma=rma, actor=actor, reason=_nothing_owed_reason(computation))
        return None
    refund = Refund.objects.create(
        return_request=rma, amount=computation.amount, bonus_amount=computation.bonus_amount,
        currency=rma.order.currency, method=rma.refund_method, breakdown=computation.breakdown,
        proposed_by=actor, proposed_at=timezone.now(),
    )
    rma_services.record_event(
        rma=rma, action="refund_proposed", actor=actor,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
                 "method": refund.method},
    )
    return refund


def _locked(refund: Refund) -> tuple[ReturnRequest, Refund]:
    rma = rma_services.lock_return(rma=refund.return_request)
    return rma, Refund.objects.select_for_update().get(pk=refund.pk)


def approvals_required(*, refund: Refund) -> int:
    """How many different people must approve; the second-approver threshold comes later."""
    return 1


@transaction.atomic
def approve_refund(*, refund: Refund, actor: User | None) -> Refund:
    """Record one approval; the refund is `approved` once enough different people have approved."""
    require_permission(actor, "refunds.approve_refund", action="approve refunds")
    rma, refund = _locked(refund)
    if refund.status != RefundStatus.PENDING_APPROVAL:
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it cannot be approved.")
    if refund.proposed_by_id == actor.pk:
        raise PermissionRefused("You proposed this refund; another person must approve it.")
    if refund.approvals.filter(approver=actor).exists():
        raise DomainError("You have already approved this refund.", code="already_approved")
    now = timezone.now()
    RefundApproval.objects.create(refund=refund, approver=actor, at=now)
    if refund.approvals.count() >= approvals_required(refund=refund):
        refund.status = RefundStatus.APPROVED
        refund.approved_at = now
        refund.save(update_fields=["status", "approved_at"])
    rma_services.record_event(
        rma=rma, action="refund_approved", actor=actor, at=now,
        details={"refund": refund.pk, "amount": str(refund.amount), "status": refund.status},
    )
    return refund


@transaction.atomic
def deny_refund(*, refund: Refund, actor: User | None, reason: str) -> Refund:
    """Refuse the refund; the return closes without refund, with the reason."""
    require_permission(actor, "refunds.deny_refund", action="deny refunds")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for denying the refund.")
    rma, refund = _locked(refund)
    if refund.status not in (RefundStatus.PENDING_APPROVAL, RefundStatus.APPROVED):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it cannot be denied.")
    refund.status = RefundStatus.DENIED
    refund.denied_by, refund.denied_at, refund.denial_reason = actor, timezone.now(), reason
    refund.save(update_fields=["status", "denied_by", "denied_at", "denial_reason"])
    rma_services.close_without_refund(rma=rma, actor=actor, reason=f"Refund denied: {reason}")
    return refund


def _credit_store_credit(*, refund: Refund, rma: ReturnRequest, actor: User) -> None:
    now = timezone.now()
    StoreCreditEntry.objects.create(
        customer=rma.customer, currency=refund.currency, amount=refund.amount, kind=CreditKind.REFUND,
        refund=refund, at=now, created_by=actor, note=f"Refund for return {rma}",
    )
    if refund.bonus_amount > ZERO:
        StoreCreditEntry.objects.create(
            customer=rma.customer, currency=refund.currency, amount=refund.bonus_amount, kind=CreditKind.BONUS,
            refund=refund, at=now, created_by=actor, note=f"Store-credit bonus for return {rma}",
        )


def _pay_through_channel(*, refund: Refund, rma: ReturnRequest, actor: User) -> str:
    """Pay where the method says; returns the reference of the payout."""
    if refund.method == RefundMethod.STORE_CREDIT:
        _credit_store_credit(refund=refund, rma=rma, actor=actor)
        return f"store-credit:{refund.idempotency_key}"
    if refund.method == RefundMethod.ORIGINAL_PAYMENT:
        raise NotConfigured(
            f"Refunds to the original payment method are not configured for {rma.client}. Settle it in the "
            "client's payment system and issue it here with that payout's reference."
        )
    raise NotConfigured(
        f"Refunds by {refund.get_method_display().lower()} are not available yet; issue it with a reference."
    )


@transaction.atomic
def issue_refund(*, refund: Refund, actor: User | None, reference: str | None = None) -> Refund:
    """Pay an approved refund; with a `reference`, record a payout settled outside.

    The return moves to `refunded`. Calling it again returns the issued refund and pays nothing.
    """
    require_permission(actor, "refunds.issue_refund", action="issue refunds")
    rma, refund = _locked(refund)
    if refund.status == RefundStatus.ISSUED:
        return refund
    if refund.status not in (RefundStatus.APPROVED, RefundStatus.FAILED):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it must be approved first.")
    rma_services.ensure_transition_allowed(rma=rma, transition="refund")
    reference = (reference or "").strip() or _pay_through_channel(refund=refund, rma=rma, actor=actor)
    refund.status = RefundStatus.ISSUED
    refund.issued_by, refund.issued_at, refund.external_reference = actor, timezone.now(), reference
    refund.save(update_fields=["status", "issued_by", "issued_at", "external_reference"])
    rma_services.mark_refunded(
        rma=rma, actor=actor,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
                 "method": refund.method, "reference": reference},
    )
    return refund
