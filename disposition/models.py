"""Disposition: where each returned unit goes next, and the stock it puts back."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

MONEY = {"max_digits": 12, "decimal_places": 3}


class Action(models.TextChoices):
    RESTOCK = "restock"  # back on the shelf as sellable stock
    REPAIR = "repair"  # fix, then restock
    REFURBISH = "refurbish"  # clean, repackage, sell as refurbished
    RETURN_TO_VENDOR = "return_to_vendor", "Return to vendor"  # back to the manufacturer for credit
    LIQUIDATE = "liquidate"  # sold in bulk to a liquidator
    RECYCLE = "recycle"
    DISCARD = "discard"
    RETURN_TO_CUSTOMER = "return_to_customer", "Return to customer"  # not accepted: sent back to the customer


def validate_action_list(value: list) -> None:
    unknown = set(value or []) - set(Action.values)
    if unknown:
        raise ValidationError(f"Unknown actions: {', '.join(sorted(unknown))}.")


class DispositionRule(models.Model):
    """A client's rule, tried in `position` order; the first that matches decides.

    Every condition left empty matches anything. A rule either forces one action or limits the
    actions a person may choose from. A rule is never edited: a change publishes a new version
    that supersedes it (disposition.services.publish_disposition_rule), so every disposition keeps
    the version that decided it; a rule taken out of use is retired, never deleted.
    """

    client = models.ForeignKey("rma.Client", on_delete=models.CASCADE, related_name="disposition_rules")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    grades = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    skus = models.JSONField(default=list, blank=True)
    min_unit_value = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    max_unit_value = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    max_repair_cost_ratio = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Matches when repair cost / unit value is at most this (e.g. 0.4).",
    )
    min_days_since_delivery = models.PositiveIntegerField(null=True, blank=True)
    max_days_since_delivery = models.PositiveIntegerField(null=True, blank=True)
    forced_action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    allowed_actions = models.JSONField(default=list, blank=True, validators=[validate_action_list])
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by",
        help_text="The version this one replaced.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="When a new version or a manager retired it.")
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["client", "position", "id"]
        indexes = [models.Index(fields=["client", "position"], name="disposition_rule_order_idx")]

    def __str__(self) -> str:
        return f"{self.client}: {self.name}"

    def clean(self) -> None:
        if not self.forced_action and not self.allowed_actions:
            raise ValidationError("A rule forces one action or limits the allowed actions.")
        if self.forced_action and self.allowed_actions:
            raise ValidationError("Either force one action or list the allowed actions, not both.")

    @property
    def permitted_actions(self) -> list[str]:
        return [self.forced_action] if self.forced_action else list(self.allowed_actions)


class Disposition(models.Model):
    """The confirmed decision for one unit, with what the rules recommended."""

    item = models.OneToOneField("rma.ReturnItem", on_delete=models.PROTECT, related_name="disposition")
    recommended_action = models.CharField(max_length=20, choices=Action.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    # The very version that decided: a rule is versioned, never edited, so this stays what it was.
    rule = models.ForeignKey(DispositionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expected_recovery_value = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    repair_cost_estimate = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    destination = models.CharField(max_length=100, blank=True, help_text="Bin, shelf or outbound lane.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        permissions = [("confirm_disposition", "Confirm dispositions")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_recovery_value__gte=0), name="disposition_recovery_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(repair_cost_estimate__isnull=True) | Q(repair_cost_estimate__gte=0),
                name="disposition_repair_cost_non_negative",
            ),
            # A person who departs from the recommendation says why.
            models.CheckConstraint(
                condition=Q(action=models.F("recommended_action")) | ~Q(override_reason=""),
                name="disposition_override_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["action", "decided_at"], name="disposition_action_idx"),
            models.Index(fields=["decided_at", "id"], name="disposition_listed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.action}"


class StockMovement(models.Model):
    """A change in a client's sellable stock at a warehouse (restocked units add one each)."""

    client = models.ForeignKey("rma.Client", on_delete=models.PROTECT, related_name="stock_movements")
    warehouse = models.ForeignKey("rma.Warehouse", on_delete=models.PROTECT, related_name="stock_movements")
    sku = models.CharField(max_length=64)
    quantity = models.IntegerField()
    disposition = models.OneToOneField(
        Disposition, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movement"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero")]
        indexes = [
            models.Index(fields=["client", "sku"], name="stock_client_sku_idx"),
            models.Index(fields=["at", "id"], name="stock_movement_listed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.quantity:+d}"
