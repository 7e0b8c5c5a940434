"""Refunds and credit: what a return pays back, who approved it, and our store-credit ledger."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from core.models import AppendOnly
from core.money import format_money
from rma.models import RefundMethod

MONEY = {"max_digits": 12, "decimal_places": 3}


class RefundStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Pending approval"  # proposed, waiting for finance
    APPROVED = "approved"  # approved, not yet paid
    REQUESTED = "requested"  # the client's payment system has it, its confirmation is awaited
    ISSUED = "issued"  # paid out: the end
    DENIED = "denied"  # finance refused it; the return closes without refund
    FAILED = "failed"  # the payout failed outside; finance decides what next


OPEN_STATUSES = [RefundStatus.PENDING_APPROVAL, RefundStatus.APPROVED, RefundStatus.REQUESTED]
# Refunds that count against what an order can still refund.
COUNTING_STATUSES = [RefundStatus.PENDING_APPROVAL, RefundStatus.APPROVED, RefundStatus.REQUESTED, RefundStatus.ISSUED]


class Refund(models.Model):
    """What a return pays back. One per return; a second only as a justified correction."""

    return_request = models.ForeignKey("rma.ReturnRequest", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    bonus_amount = models.DecimalField(
        **MONEY, default=0, help_text="Store-credit bonus the client funds, on top of the amount."
    )
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=RefundMethod.choices)
    # Moves only through the transitions below, called by refunds.services.
    status = FSMField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING_APPROVAL, protected=True
    )
    breakdown = models.JSONField(default=dict)
    is_correction = models.BooleanField(default=False)
    correction_reason = models.TextField(blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_reference = models.CharField(max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    denied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denied_at = models.DateTimeField(null=True, blank=True)
    denial_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        permissions = [
            ("propose_refund", "Propose refunds"),
            ("approve_refund", "Approve refunds"),
            ("second_approve_refund", "Give the second approval of refunds above the policy's threshold"),
            ("deny_refund", "Deny refunds"),
            ("issue_refund", "Issue refunds"),
            ("complete_refund", "Complete refunds the client's payment system paid"),
            ("switch_refund_method", "Switch a refund to store credit with the customer's consent"),
            ("export_settlement", "Download a client's settlement file of refunds it owes"),
            ("import_settlement", "Import a client's settlement confirmations"),
            ("correct_refund", "Correct a refunded return's refund with a second refund"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_non_negative"),
            models.CheckConstraint(condition=Q(bonus_amount__gte=0), name="refund_bonus_non_negative"),
            models.UniqueConstraint(
                fields=["return_request"], condition=Q(is_correction=False), name="one_refund_per_return"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "proposed_at"], name="refund_queue_idx"),
            models.Index(fields=["proposed_at", "id"], name="refund_listed_idx"),
            # Finance's daily totals count refunds approved and issued per day.
            models.Index(fields=["approved_at"], name="refund_approved_idx"),
            models.Index(fields=["issued_at"], name="refund_issued_idx"),
        ]

    def __str__(self) -> str:
        return f"Refund {format_money(self.amount, self.currency)} for {self.return_request}"

    @transition(field=status, source=RefundStatus.PENDING_APPROVAL, target=RefundStatus.APPROVED)
    def approve(self, *, at) -> None:
        self.approved_at = at

    @transition(field=status, source=[RefundStatus.PENDING_APPROVAL, RefundStatus.APPROVED], target=RefundStatus.DENIED)
    def deny(self, *, by, at, reason: str) -> None:
        self.denied_by, self.denied_at, self.denial_reason = by, at, reason

    @transition(
        field=status, source=[RefundStatus.APPROVED, RefundStatus.REQUESTED, RefundStatus.FAILED],
        target=RefundStatus.ISSUED,
    )
    def issue(self, *, by, at, reference: str) -> None:
        self.issued_by, self.issued_at, self.external_reference = by, at, reference

    @transition(field=status, source=RefundStatus.APPROVED, target=RefundStatus.REQUESTED)
    def await_confirmation(self) -> None:
        """The client's system took the refund.requested message and will confirm the payout later."""

    @transition(field=status, source=RefundStatus.FAILED, target=RefundStatus.APPROVED)
    def retry(self) -> None:
        """Finance sends a failed refund to the client's system again."""

    @transition(field=status, source=[RefundStatus.APPROVED, RefundStatus.REQUESTED], target=RefundStatus.FAILED)
    def fail(self) -> None:
        """The message never reached the client's system: finance decides what next."""


class RefundApproval(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["refund", "approver"], name="one_approval_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.approver} approved {self.refund}"


class CreditKind(models.TextChoices):
    REFUND = "refund"  # a refund paid as store credit
    BONUS = "bonus"  # the policy's store-credit bonus, funded by the client
    REDEMPTION = "redemption"  # spent by the customer at the client
    ADJUSTMENT = "adjustment"  # a correction by finance


class StoreCreditEntry(AppendOnly):
    """One entry of a customer's store-credit ledger. Entries are never edited; balance is their sum."""

    customer = models.ForeignKey("rma.Customer", on_delete=models.PROTECT, related_name="store_credit_entries")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    kind = models.CharField(max_length=20, choices=CreditKind.choices)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "store credit entries"
        ordering = ["at", "id"]
        permissions = [("adjust_store_credit", "Adjust store-credit balances")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_entry_not_zero"),
            models.UniqueConstraint(
                fields=["refund", "kind"], condition=Q(refund__isnull=False), name="one_credit_entry_per_refund_kind"
            ),
        ]
        indexes = [models.Index(fields=["customer", "currency"], name="credit_customer_idx")]

    def __str__(self) -> str:
        return f"{'+' if self.amount > 0 else ''}{format_money(self.amount, self.currency)} ({self.kind})"


class StoreCreditAccount(StoreCreditEntry):
    """A customer's store credit in one currency, as finance lists it: the entries of that account summed.

    The customer belongs to one client, so an account is per customer, client and currency.
    """

    class Meta:
        proxy = True
        verbose_name = "store credit account"


from refunds.ledger_models import GiftCard, GiftCardEntry, GiftCardEntryKind  # noqa: E402, F401
