"""Gift cards of ours (imported at the end of refunds.models): a card per gift-card refund, its balance
a ledger of entries (never edited).

The code itself is never stored: only its SHA-256 (to find the card when a code is typed) and its last
four symbols (to tell cards apart on screens). 80 random bits make a hash of it impossible to reverse.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import AppendOnly
from core.money import format_money

MONEY = {"max_digits": 12, "decimal_places": 3}


class GiftCard(AppendOnly):
    """A gift card issued for a refund; nothing on it changes, its balance is the sum of its entries."""

    client = models.ForeignKey("rma.Client", on_delete=models.PROTECT, related_name="gift_cards")
    customer = models.ForeignKey("rma.Customer", on_delete=models.PROTECT, related_name="gift_cards")
    currency = models.CharField(max_length=3)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_four = models.CharField(max_length=4, editable=False)
    refund = models.OneToOneField("refunds.Refund", on_delete=models.PROTECT, related_name="gift_card")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("redeem_gift_card", "Redeem gift cards")]

    def __str__(self) -> str:
        return self.masked_code

    @property
    def masked_code(self) -> str:
        return f"GC-…-{self.last_four}"


class GiftCardEntryKind(models.TextChoices):
    ISSUE = "issue"  # the card's value, from the refund it was issued for
    REDEMPTION = "redemption"  # spent by the customer at the client


class GiftCardEntry(AppendOnly):
    """One entry of a gift card's ledger: + when issued, - when redeemed."""

    card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    kind = models.CharField(max_length=20, choices=GiftCardEntryKind.choices)
    # The redeemer's own reference (their order or till receipt): a redemption sent twice is applied once.
    reference = models.CharField(max_length=200)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="Who wrote the entry, as the audit trail names them.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "gift card entries"
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="gift_card_entry_not_zero"),
            models.UniqueConstraint(fields=["card", "reference"], name="one_gift_card_entry_per_reference"),
        ]

    def __str__(self) -> str:
        currency = self.card.currency
        return f"{'+' if self.amount > 0 else ''}{format_money(self.amount, currency)} ({self.kind})"

