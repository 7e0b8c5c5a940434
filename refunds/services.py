"""Refunds: proposing, approving or denying, and issuing; the issued refund ends the return.

Lock order everywhere: the return row first, then the refund row, so two services never wait
on each other.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.actors import Actor, require, user_of
from core.errors import DomainError, InvalidInput, NotConfigured, PermissionRefused, TransitionRefused
from core.money import ZERO, format_money, quantize
from inspection import selectors as inspection_selectors
from refunds import calculation, corrections, exchanges, gift_cards, issuing, payouts, selectors
from refunds.models import CreditKind, Refund, RefundApproval, RefundStatus, StoreCreditEntry
from rma import later_stages
from rma import selectors as rma_selectors
from rma.models import Customer, RefundMethod, ReturnEventType, ReturnPolicy, ReturnRequest


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
def propose_refund(*, rma: ReturnRequest, actor: Actor) -> Refund | None:
    """Compute the refund and queue it for approval; returns the open refund if there is one.

    When nothing is owed (every unit missing or mismatched), the return closes instead and None
    is returned. The chain proposes it as the system after the last disposition (refunds.chain).
    """
    actor = require(actor, "refunds.propose_refund", action="propose refunds", on=rma)
    rma = later_stages.lock_return(rma=rma)
    existing = selectors.open_refund(rma=rma)
    if existing is not None:
        return existing
    later_stages.ensure_transition_allowed(rma=rma, transition="refund")
    if rma.order.charged_back_at:
        later_stages.close_without_refund(rma=rma, actor=actor, reason=_charged_back_reason(rma))
        return None
    computation = compute_refund_for(rma=rma)
    if computation.nothing_owed:
        later_stages.close_without_refund(rma=rma, actor=actor, reason=_nothing_owed_reason(computation))
        return None
    refund = Refund.objects.create(
        return_request=rma, amount=computation.amount, bonus_amount=computation.bonus_amount,
        currency=rma.order.currency, method=rma.refund_method, breakdown=computation.breakdown,
        proposed_by=user_of(actor), proposed_at=timezone.now(),
    )
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_PROPOSED, actor=actor,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
                 "method": refund.method},
    )
    return refund


def _locked(refund: Refund) -> tuple[ReturnRequest, Refund]:
    rma = later_stages.lock_return(rma=refund.return_request)
    return rma, Refund.objects.select_for_update().get(pk=refund.pk)


def _charged_back_reason(rma: ReturnRequest) -> str:
    order = rma.order
    return (f"The client reported order {order.number} charged back on {order.charged_back_at:%Y-%m-%d}: "
            f"the customer's bank returned the payment, so no refund is owed ({order.charged_back_note}).")


def _refuse_if_charged_back(rma: ReturnRequest) -> None:
    if rma.order.charged_back_at:
        raise DomainError(_charged_back_reason(rma), code="charged_back")


def approvals_required(*, refund: Refund) -> int:
    """How many different people must approve: two above the policy's threshold (the second a manager's)."""
    threshold = refund.return_request.policy.second_approval_above
    return 2 if threshold is not None and refund.amount > threshold else 1


# Paid from our own ledgers, so issued the moment they are approved.
PAID_FROM_OUR_LEDGERS = (RefundMethod.STORE_CREDIT, RefundMethod.GIFT_CARD)


@transaction.atomic
def approve_refund(*, refund: Refund, actor: Actor) -> Refund:
    """Record one approval; the refund is `approved` once enough different people have approved.

    Store credit and gift cards are then issued at once (ledger entry or new card, refund `issued`,
    return `refunded`); a refund to the original payment waits for issue_refund.
    """
    actor = require(actor, "refunds.approve_refund", action="approve refunds", on=refund)
    approver = user_of(actor)
    rma, refund = _locked(refund)
    _refuse_if_charged_back(rma)
    if not can_proceed(refund.approve):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it cannot be approved.")
    if refund.proposed_by_id == approver.pk:
        raise PermissionRefused("You proposed this refund; another person must approve it.")
    if refund.approvals.filter(approver=approver).exists():
        raise DomainError("You have already approved this refund.", code="already_approved")
    required = approvals_required(refund=refund)
    if required > 1 and refund.approvals.count() + 1 >= required:
        approvers = [approval.approver for approval in refund.approvals.select_related("approver")] + [approver]
        if not any(person.has_perm("refunds.second_approve_refund") for person in approvers):
            raise PermissionRefused(
                f"This refund is above {format_money(rma.policy.second_approval_above, refund.currency)}: "
                "one of its two approvals must be a manager's."
            )
    now = timezone.now()
    RefundApproval.objects.create(refund=refund, approver=approver, at=now)
    if refund.approvals.count() >= required:
        refund.approve(at=now)
        refund.save(update_fields=["status", "approved_at"])
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_APPROVED, actor=actor, at=now,
        details={"refund": refund.pk, "amount": str(refund.amount), "status": refund.status},
    )
    if refund.status == RefundStatus.APPROVED and refund.method in PAID_FROM_OUR_LEDGERS:
        # Nothing outside has to pay: the last approval issues it, in this transaction.
        reference = _pay_through_channel(refund=refund, rma=rma, actor=actor)
        return issuing.settle(rma=rma, refund=refund, actor=actor, reference=reference)
    return refund


@transaction.atomic
def deny_refund(*, refund: Refund, actor: Actor, reason: str) -> Refund:
    """Refuse the refund; the return closes without refund, with the reason."""
    actor = require(actor, "refunds.deny_refund", action="deny refunds", on=refund)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for denying the refund.")
    rma, refund = _locked(refund)
    if not can_proceed(refund.deny):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it cannot be denied.")
    refund.deny(by=user_of(actor), at=timezone.now(), reason=reason)
    refund.save(update_fields=["status", "denied_by", "denied_at", "denial_reason"])
    if refund.is_correction:
        corrections.record_denial(rma=rma, refund=refund, actor=actor)
    else:
        later_stages.close_without_refund(rma=rma, actor=actor, reason=f"Refund denied: {reason}")
    return refund


def _credit_store_credit(*, refund: Refund, rma: ReturnRequest, actor: Actor) -> None:
    now = timezone.now()
    StoreCreditEntry.objects.create(
        customer=rma.customer, currency=refund.currency, amount=refund.amount, kind=CreditKind.REFUND,
        refund=refund, at=now, created_by=user_of(actor), note=f"Refund for return {rma}",
    )
    if refund.bonus_amount > ZERO:
        StoreCreditEntry.objects.create(
            customer=rma.customer, currency=refund.currency, amount=refund.bonus_amount, kind=CreditKind.BONUS,
            refund=refund, at=now, created_by=user_of(actor), note=f"Store-credit bonus for return {rma}",
        )


# What the client's own system pays: how it is asked, and what finance does where it takes no requests.
ASKED_OF_THE_CLIENT = {
    RefundMethod.ORIGINAL_PAYMENT: (
        payouts.request_payout,
        "takes no refund requests (no webhook URL and secret). Settle it in the client's payment system and "
        "issue it here with that payout's reference.",
    ),
    RefundMethod.EXCHANGE: (
        exchanges.request_exchange,
        "takes no exchange requests (no webhook URL and secret). Place the replacement order in the client's "
        "shop and issue the exchange here with that order's number.",
    ),
}


def _pay_through_channel(*, refund: Refund, rma: ReturnRequest, actor: Actor) -> str:
    """Pay where the method says; returns the reference of the payout, or "" when the client's system pays
    and confirms later (the refund stays approved until its refund.requested message is delivered).
    """
    if refund.method == RefundMethod.STORE_CREDIT:
        _credit_store_credit(refund=refund, rma=rma, actor=actor)
        return f"store-credit:{refund.idempotency_key}"
    if refund.method == RefundMethod.GIFT_CARD:
        card, _ = gift_cards.issue_gift_card(refund=refund, rma=rma, actor=actor)
        return f"gift-card:{card.pk}"
    if refund.method in ASKED_OF_THE_CLIENT:
        ask, without_webhook = ASKED_OF_THE_CLIENT[refund.method]
        if not payouts.can_request(rma):
            raise NotConfigured(f"{rma.client} {without_webhook}")
        if refund.status == RefundStatus.FAILED:
            refund.retry()
            refund.save(update_fields=["status"])
        ask(refund=refund, rma=rma, actor=actor)
        return ""
    raise NotConfigured(
        f"Refunds by {refund.get_method_display().lower()} are not available yet; issue it with a reference."
    )


@transaction.atomic
def issue_refund(*, refund: Refund, actor: Actor, reference: str | None = None) -> Refund:
    """Pay an approved refund; with a `reference`, record a payout settled outside.

    The return moves to `refunded`. Calling it again returns the issued refund and pays nothing.
    """
    actor = require(actor, "refunds.issue_refund", action="issue refunds", on=refund)
    rma, refund = _locked(refund)
    if refund.status == RefundStatus.ISSUED:
        return refund
    _refuse_if_charged_back(rma)
    if not can_proceed(refund.issue):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it must be approved first.")
    if not refund.is_correction:  # a correction pays more on a return refunded already
        later_stages.ensure_transition_allowed(rma=rma, transition="refund")
    if refund.status == RefundStatus.REQUESTED and not (reference or "").strip():
        raise InvalidInput("The client's system has this refund: issue it with the payout's reference it confirms.")
    reference = (reference or "").strip() or _pay_through_channel(refund=refund, rma=rma, actor=actor)
    if not reference:
        return refund  # requested from the client's system: issued when it confirms
    return issuing.settle(rma=rma, refund=refund, actor=actor, reference=reference)


@transaction.atomic
def complete_refund(*, refund: Refund, actor: Actor, reference: str, details: dict | None = None) -> Refund:
    """The client's payment system paid the refund: record its reference. Paid once: again, it changes nothing.

    `details` are facts of the confirmation kept on the return's event (a settlement file's date paid, its row).
    """
    actor = require(actor, "refunds.complete_refund", action="complete refunds", on=refund)
    reference = (reference or "").strip()
    if not reference or len(reference) > payouts.LONGEST_REFERENCE:
        raise InvalidInput(f"Give the payout's reference, at most {payouts.LONGEST_REFERENCE} characters.")
    rma, refund = _locked(refund)
    if refund.status == RefundStatus.ISSUED:
        return refund
    if not can_proceed(refund.issue):
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; it cannot be completed.")
    return issuing.settle(rma=rma, refund=refund, actor=actor, reference=reference, details=details)


# Where a refund may still change its method: not once the client's system has it, nor once it is over.
SWITCHABLE = (RefundStatus.PENDING_APPROVAL, RefundStatus.APPROVED, RefundStatus.FAILED)
LONGEST_CONSENT = 1000


@transaction.atomic
def switch_refund_to_store_credit(*, refund: Refund, actor: Actor, consent: str) -> Refund:
    """The original payment cannot take the refund (card expired, the client's system refused): pay it as
    store credit instead, with the customer's consent (how and when they gave it) on the return's timeline.
    """
    actor = require(actor, "refunds.switch_refund_method", action="switch refunds to store credit", on=refund)
    consent = (consent or "").strip()
    if not consent or len(consent) > LONGEST_CONSENT:
        raise InvalidInput(f"Record how the customer agreed, in at most {LONGEST_CONSENT} characters.")
    rma, refund = _locked(refund)
    if refund.method == RefundMethod.STORE_CREDIT:
        raise InvalidInput("This refund is paid as store credit already.")
    if refund.status not in SWITCHABLE:
        raise TransitionRefused(f"This refund is {refund.get_status_display().lower()}; its method cannot change.")
    _refuse_if_charged_back(rma)
    previous = refund.method
    refund.method = RefundMethod.STORE_CREDIT
    if refund.status == RefundStatus.FAILED:
        refund.retry()  # approved again: finance issues it from the ledger
    refund.save(update_fields=["method", "status"])
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_METHOD_SWITCHED, actor=actor, note=consent,
        details={"refund": refund.pk, "from_method": previous, "to_method": refund.method},
    )
    return refund


# Beyond any real correction, and within what the ledger's amount column holds.
LARGEST_ADJUSTMENT = Decimal(1_000_000)


@transaction.atomic
def adjust_store_credit(
    *, customer: Customer, actor: Actor, amount: Decimal, currency: str, reason: str
) -> StoreCreditEntry:
    """Finance corrects a customer's store-credit balance with a new ledger entry; entries never change.

    A negative amount takes credit away, never below nothing. The reason is kept on the entry.
    """
    actor = require(actor, "refunds.adjust_store_credit", action="adjust store credit", on=customer)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the balance is corrected.")
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("Give the currency as its three-letter code, e.g. EUR.")
    if not isinstance(amount, Decimal) or not amount.is_finite() or quantize(amount, currency) != amount:
        raise InvalidInput(f"Give the amount in {currency} with at most its currency's decimals.")
    if amount == ZERO:
        raise InvalidInput("An adjustment of nothing changes nothing; give an amount.")
    if abs(amount) >= LARGEST_ADJUSTMENT:
        raise InvalidInput(f"An adjustment is less than {LARGEST_ADJUSTMENT:,} {currency}.")
    # Lock the customer: two corrections at once must not both take the last of the balance.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    balance = selectors.store_credit_balance(customer=customer, currency=currency)
    if balance + amount < ZERO:
        raise InvalidInput(f"The balance is {format_money(balance, currency)}; it cannot go below nothing.")
    return StoreCreditEntry.objects.create(
        customer=customer, currency=currency, amount=amount, kind=CreditKind.ADJUSTMENT, at=timezone.now(),
        created_by=user_of(actor), note=reason,
    )
