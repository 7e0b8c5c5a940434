"""Requests, authorization, shipping and receiving: the return (RMA) and what it hangs on."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django_fsm import FSMField, FSMModelMixin, transition

from core.actors import Channel
from core.models import AppendOnly
from rma.states import MAY_BE_UNROUTED, ReturnState

MONEY = {"max_digits": 12, "decimal_places": 3}
PERCENT = {"max_digits": 5, "decimal_places": 2}
# A return's tracking number as the dock compares it: without spaces, upper case.
TRACKING_KEY = Upper(Replace("tracking_number", Value(" "), Value("")))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).")


def validate_reason_list(value: list) -> None:
    unknown = set(value or []) - set(Reason.values)
    if unknown:
        raise ValidationError(f"Unknown reasons: {', '.join(sorted(unknown))}.")


def validate_refund_method_list(value: list) -> None:
    unknown = set(value or []) - set(RefundMethod.values)
    if unknown:
        raise ValidationError(f"Unknown refund methods: {', '.join(sorted(unknown))}.")


def default_languages() -> list[str]:
    return ["en"]


def validate_language_list(value: list) -> None:
    """A client's languages: at least one, each one the portal and the emails speak (settings.LANGUAGES)."""
    spoken = {code for code, _ in settings.LANGUAGES}
    if not isinstance(value, list) or not value or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give at least one language, e.g. [\"en\"].")
    unknown = set(value) - spoken
    if unknown:
        raise ValidationError(
            f"Not a language we speak: {', '.join(sorted(unknown))} (we speak {', '.join(sorted(spoken))})."
        )


class RequestChannel(models.TextChoices):
    PORTAL = "portal"  # the client's public return portal
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    API = "api", "API"  # the client's systems
    ADMIN = "admin"  # entered by staff in the back office


class EventChannel(models.TextChoices):
    """The door an event came through, one per kind of actor (core.actors)."""

    ADMIN = Channel.ADMIN, "Back office"  # staff
    API = Channel.API, "API"  # a client's systems
    PORTAL = Channel.PORTAL, "Portal"  # the customer
    SYSTEM = Channel.SYSTEM, "System"  # scheduled jobs and automatic steps


class Reason(models.TextChoices):
    DEFECTIVE = "defective"
    DAMAGED_IN_TRANSIT = "damaged_in_transit", "Damaged in transit"
    WRONG_ITEM = "wrong_item", "Wrong item"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    CHANGED_MIND = "changed_mind", "Changed mind"
    SIZE_FIT = "size_fit", "Size / fit"
    ARRIVED_LATE = "arrived_late", "Arrived late"
    OTHER = "other"


class PaymentMethod(models.TextChoices):
    CARD = "card"
    PAYPAL = "paypal", "PayPal"
    GIFT_CARD = "gift_card", "Gift card"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    OTHER = "other"


class RefundMethod(models.TextChoices):
    ORIGINAL_PAYMENT = "original_payment", "Original payment"  # back to the card, PayPal or gift card that paid
    STORE_CREDIT = "store_credit", "Store credit"  # our store-credit ledger, plus any bonus the policy grants
    GIFT_CARD = "gift_card", "Gift card"  # a new gift card from our ledger
    EXCHANGE = "exchange"  # the value becomes a replacement order at the client


class WindowStart(models.TextChoices):
    ORDER_DATE = "order_date", "Order date"
    DELIVERY_DATE = "delivery_date", "Delivery date"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Address(models.Model):
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. DE")

    class Meta:
        abstract = True

    def address_lines(self) -> list[str]:
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [self.address_line1, self.address_line2, city_line, self.region, self.country]
        return [line for line in lines if line]


class Warehouse(TimeStamped, Address):
    """A facility site; its address is the ship-to printed on return labels."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Client(TimeStamped):
    """A merchant whose customers' returns the facility processes."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    default_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="clients")
    webhook_url = models.URLField(blank=True)
    # Two secrets may be active at once so the client can rotate without missing a delivery.
    webhook_secret = models.CharField(max_length=128, blank=True)
    webhook_secret_previous = models.CharField(max_length=128, blank=True)
    # Target hours a return may spend in each stage before it is flagged as late.
    target_hours_requested = models.PositiveIntegerField(default=24)
    target_hours_authorized = models.PositiveIntegerField(default=14 * 24)
    target_hours_in_transit = models.PositiveIntegerField(default=7 * 24)
    target_hours_received = models.PositiveIntegerField(default=48)
    target_hours_inspected = models.PositiveIntegerField(default=24)
    target_hours_dispositioned = models.PositiveIntegerField(default=48)
    dock_instructions = models.CharField(
        max_length=200, blank=True, help_text="Where the dock takes this client's parcels, e.g. 'Lane 3, apparel'."
    )
    # The customer portal and emails in the client's name: its logo (re-encoded on upload), colour and words.
    portal_logo = models.ImageField(upload_to="client-logos/", blank=True)
    portal_colour = models.CharField(
        max_length=7, default="#1f4e79", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #1f4e79.")],
        help_text="The portal's accent colour, as #rrggbb.",
    )
    portal_welcome = models.TextField(
        max_length=2000, blank=True, help_text="What the portal says above the order lookup."
    )
    languages = models.JSONField(
        default=default_languages, validators=[validate_language_list],
        help_text="Languages the portal and customer emails speak, first the default (e.g. [\"de\", \"en\"]).",
    )
    # Live order lookup: asked (signed as webhooks are) for an order that was never imported.
    order_lookup_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def target_hours(self, state: str) -> int | None:
        return getattr(self, f"target_hours_{state}", None)


class ClientAccount(TimeStamped):
    """Links a user to one client: the client's systems see and create only that client's data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_account"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"


class WarehouseRoute(TimeStamped):
    """A client's routing rule: parcels shipped from `country` go to `warehouse`, not the client's default.

    Read when a return is authorized; the return keeps the warehouse chosen then, whatever the rule becomes.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="warehouse_routes")
    country = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", "Give the two-letter ISO 3166 code, e.g. AT.")],
        help_text="Where the parcel is shipped from (the customer's country): ISO 3166 code, e.g. AT",
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="routes")

    class Meta:
        ordering = ["client", "country"]
        constraints = [
            models.UniqueConstraint(fields=["client", "country"], name="warehouse_route_one_per_country"),
            # Upper case, as the routing looks it up.
            models.CheckConstraint(
                condition=Q(country=models.functions.Upper("country")), name="warehouse_route_country_upper_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code}: {self.country} → {self.warehouse.code}"


class WarehouseAssignment(TimeStamped):
    """The site a staff member works at: their dock scans are recorded there and their screens show it first."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warehouse_assignment",
        limit_choices_to={"is_staff": True, "client_account__isnull": True},
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        ordering = ["warehouse", "user"]

    def __str__(self) -> str:
        return f"{self.user} at {self.warehouse.code}"


class ReturnPolicy(models.Model):
    """One immutable version of a client's return policy; editing publishes a new version."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="policies")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_days = models.PositiveIntegerField(default=30)
    window_starts_from = models.CharField(
        max_length=20, choices=WindowStart.choices, default=WindowStart.DELIVERY_DATE
    )
    final_sale_skus = models.JSONField(default=list, blank=True)
    final_sale_categories = models.JSONField(default=list, blank=True)
    accepted_reasons = models.JSONField(default=list, validators=[validate_reason_list])
    restocking_fee_percent = models.DecimalField(
        **PERCENT, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    restocking_fee_reasons = models.JSONField(default=list, blank=True, validators=[validate_reason_list])
    return_shipping_fee = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    customer_pays_shipping_reasons = models.JSONField(
        default=list, blank=True, validators=[validate_reason_list]
    )
    auto_authorize = models.BooleanField(default=True)
    ran_validity_days = models.PositiveIntegerField(default=30)
    refund_methods = models.JSONField(
        default=list, blank=True, validators=[validate_refund_method_list],
        help_text="Refund methods offered to the customer, the first the default; none listed: the original payment.",
    )
    store_credit_bonus_percent = models.DecimalField(
        **PERCENT, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    max_returns_per_customer = models.PositiveIntegerField(
        null=True, blank=True, help_text="Live returns a customer may have in the period; empty: no limit."
    )
    return_limit_period_days = models.PositiveIntegerField(default=365)
    receipt_required_above = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="A unit priced above this needs a receipt document; empty: never.",
    )
    second_approval_above = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="A refund above this amount needs a second approval, by a manager; empty: one approval is enough.",
    )
    packing_instructions = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "return policies"
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="policy_version_unique"),
            models.CheckConstraint(
                condition=Q(restocking_fee_percent__gte=0, restocking_fee_percent__lte=100),
                name="policy_restocking_fee_percent_range",
            ),
            models.CheckConstraint(condition=Q(return_shipping_fee__gte=0), name="policy_shipping_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(store_credit_bonus_percent__gte=0), name="policy_bonus_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} policy v{self.version}"

    def save(self, *args, **kwargs) -> None:
        # Returns pin the version they were requested under, so a version never changes.
        if not self._state.adding:
            raise ValidationError("A return policy version is immutable; publish a new version instead.")
        super().save(*args, **kwargs)

    def offered_refund_methods(self) -> list[str]:
        """The methods the customer may choose; a policy that lists none offers the original payment."""
        return list(self.refund_methods) or [RefundMethod.ORIGINAL_PAYMENT]

    def default_refund_method(self) -> str:
        return self.offered_refund_methods()[0]


class Customer(TimeStamped, Address):
    """A client's customer, keyed by the normalized (trimmed, lower-case) email."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="customers")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Set once, by rma.services.erasure: name, email, phone and address replaced by placeholders.
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When their personal data was erased.")
    erased_by = models.CharField(max_length=200, blank=True, help_text="Who erased it, e.g. a manager or the purge.")
    erasure_reason = models.TextField(blank=True, help_text="Why, as given (with no erased value in it).")

    class Meta:
        ordering = ["email"]
        permissions = [("erase_customer", "Erase a customer's personal data on request")]
        constraints = [
            models.UniqueConstraint(fields=["client", "email"], name="customer_email_unique_per_client"),
            models.CheckConstraint(condition=Q(email=models.functions.Lower(models.functions.Trim("email"))),
                                   name="customer_email_normalized"),
        ]
        indexes = [models.Index(fields=["email"], name="customer_email_idx")]

    def __str__(self) -> str:
        return self.name or self.email

    @staticmethod
    def normalize_email(email: str) -> str:
        return (email or "").strip().lower()


class Order(TimeStamped, Address):
    """An order imported from the client: the proof of purchase. The address is where it was shipped."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    ordered_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    payment_reference = models.CharField(max_length=128, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    language = models.CharField(
        max_length=10, blank=True, help_text="The customer's language on the order (e.g. de), for their emails."
    )
    outbound_shipping_paid = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)],
        help_text="What the customer paid for delivery; never refunded.",
    )
    refunded_outside = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)],
        help_text="Refunds the client already made on this order itself; returns refund at most what remains.",
    )
    # The customer's bank took the payment back: no return of the order is refunded any more.
    charged_back_at = models.DateTimeField(null=True, blank=True)
    charged_back_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-ordered_at"]
        permissions = [("mark_charged_back", "Mark an order as charged back")]
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="order_number_unique_per_client"),
            models.CheckConstraint(condition=Q(outbound_shipping_paid__gte=0), name="order_shipping_non_negative"),
            models.CheckConstraint(condition=Q(refunded_outside__gte=0), name="order_refunded_outside_non_negative"),
        ]
        indexes = [
            models.Index(fields=["number"], name="order_number_idx"),
            models.Index(fields=["ordered_at", "id"], name="order_time_idx"),  # the list's order, the reports' periods
        ]

    def __str__(self) -> str:
        return f"{self.client.code}/{self.number}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    sku = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)], help_text="Units delivered.")
    unit_price = models.DecimalField(
        **MONEY, validators=[MinValueValidator(0)], help_text="Paid per unit, after discounts, tax included."
    )
    serial_numbers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_non_negative"),
        ]
        indexes = [models.Index(fields=["sku"], name="order_line_sku_idx")]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class OrderCorrection(AppendOnly):
    """One field of an order line corrected by hand, with the value before and after, who and why.

    Only a line no return claims is corrected (rma.services.correct_order_line); the rows are the history.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="corrections")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["corrected_at", "id"]

    def __str__(self) -> str:
        return f"{self.line.sku}: {self.field} {self.old_value} → {self.new_value}"


class ReturnRequest(FSMModelMixin, TimeStamped):
    """The RMA. Its state moves only through the transitions below, called by rma.services."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="returns")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="returns")
    policy = models.ForeignKey(ReturnPolicy, on_delete=models.PROTECT, related_name="returns")
    channel = models.CharField(max_length=10, choices=RequestChannel.choices)
    state = FSMField(default=ReturnState.REQUESTED, choices=ReturnState.choices, protected=True)
    ran = models.CharField("RAN", max_length=14, unique=True, null=True, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="returns",
        help_text="Where the parcel is sent: chosen when the return is authorized.",
    )
    refund_method = models.CharField(max_length=20, choices=RefundMethod.choices)
    exchange_sku = models.CharField(
        "replacement SKU", max_length=64, blank=True,
        help_text="What the customer takes instead, when the refund method is exchange.",
    )
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    language = models.CharField(
        max_length=10, blank=True, help_text="The language the customer asked in (the portal's), for their emails."
    )
    receipt_document = models.FileField(upload_to="receipts/%Y/%m/", blank=True)
    notes = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True, help_text="Why it was rejected, cancelled or closed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state_entered_at = models.DateTimeField()
    requested_at = models.DateTimeField()
    authorized_at = models.DateTimeField(null=True, blank=True)
    authorization_expires_at = models.DateTimeField(null=True, blank=True)
    in_transit_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    dispositioned_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    personal_data_purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When its photos, receipt and the customer's details in it were erased.",
    )

    class Meta:
        ordering = ["-requested_at"]
        permissions = [
            ("create_return", "Create return requests"),
            ("authorize_return", "Authorize return requests"),
            ("reject_return", "Reject return requests"),
            ("cancel_return", "Cancel returns"),
            ("set_tracking", "Set carrier and tracking number"),
            ("receive_return", "Scan parcels in at the dock"),
            ("override_policy", "Authorize despite a failed policy rule"),
            ("receive_expired", "Receive a parcel whose RAN has expired"),
            ("resolve_unexpected_parcel", "Resolve unexpected parcels and extra units"),
            ("print_label", "Print return labels"),
            ("import_tracking", "Import carrier tracking events"),
            ("add_note", "Write notes on returns"),
            ("notify_customer", "Record that a customer was told why their return closed"),
        ]
        indexes = [
            models.Index(fields=["state", "state_entered_at"], name="return_state_idx"),
            models.Index(fields=["tracking_number"], name="return_tracking_idx"),
            # The dock looks tracking numbers up as scanned: without spaces, any case (rma.selectors.tracking_key).
            models.Index(TRACKING_KEY, name="return_tracking_key_idx"),
            models.Index(fields=["client", "state"], name="return_client_state_idx"),
            # The returns list's order (newest first, the id breaking ties) and the reports' periods.
            models.Index(fields=["requested_at", "id"], name="return_requested_idx"),
            models.Index(fields=["client", "requested_at"], name="return_client_requested_idx"),
            models.Index(fields=["received_at"], name="return_received_idx"),
        ]
        constraints = [
            # Labels, the dock and stock movements rely on it: an authorized return names its warehouse.
            models.CheckConstraint(
                condition=Q(warehouse__isnull=False) | Q(state__in=sorted(MAY_BE_UNROUTED)),
                name="return_routed_once_authorized",
            ),
        ]

    def __str__(self) -> str:
        return self.ran or f"Request #{self.pk}"

    def ship_from(self) -> Address:
        """Where the parcel comes from: the customer's address, or where the order went when the client sent none."""
        return self.customer if self.customer.address_lines() else self.order

    def _entered(self, at, stamp: str) -> None:
        setattr(self, stamp, at)
        self.state_entered_at = at

    @transition(field=state, source=ReturnState.REQUESTED, target=ReturnState.AUTHORIZED)
    def authorize(self, *, ran: str, expires_at, warehouse: Warehouse, at) -> None:
        self.ran = ran
        self.warehouse = warehouse
        self.authorization_expires_at = expires_at
        self._entered(at, "authorized_at")

    @transition(field=state, source=ReturnState.REQUESTED, target=ReturnState.REJECTED)
    def reject(self, *, reason: str, at) -> None:
        self.decision_reason = reason
        self._entered(at, "rejected_at")

    @transition(
        field=state, source=[ReturnState.REQUESTED, ReturnState.AUTHORIZED], target=ReturnState.CANCELLED
    )
    def cancel(self, *, reason: str, at) -> None:
        self.decision_reason = reason
        self._entered(at, "cancelled_at")

    @transition(field=state, source=ReturnState.AUTHORIZED, target=ReturnState.EXPIRED)
    def expire(self, *, at) -> None:
        self._entered(at, "expired_at")

    @transition(field=state, source=ReturnState.AUTHORIZED, target=ReturnState.IN_TRANSIT)
    def ship(self, *, carrier: str, tracking_number: str, at) -> None:
        self.carrier = carrier
        self.tracking_number = tracking_number
        self._entered(at, "in_transit_at")

    @transition(
        field=state, source=[ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT], target=ReturnState.RECEIVED
    )
    def receive(self, *, at) -> None:
        self._entered(at, "received_at")

    @transition(field=state, source=ReturnState.EXPIRED, target=ReturnState.RECEIVED)
    def receive_expired(self, *, at) -> None:
        self._entered(at, "received_at")

    @transition(field=state, source=ReturnState.RECEIVED, target=ReturnState.INSPECTED)
    def inspect(self, *, at) -> None:
        self._entered(at, "inspected_at")

    @transition(field=state, source=ReturnState.INSPECTED, target=ReturnState.DISPOSITIONED)
    def disposition(self, *, at) -> None:
        self._entered(at, "dispositioned_at")

    @transition(field=state, source=ReturnState.DISPOSITIONED, target=ReturnState.REFUNDED)
    def refund(self, *, at) -> None:
        self._entered(at, "refunded_at")

    @transition(field=state, source=ReturnState.DISPOSITIONED, target=ReturnState.CLOSED)
    def close_without_refund(self, *, reason: str, at) -> None:
        self.decision_reason = reason
        self._entered(at, "closed_at")


class ReturnItem(models.Model):
    """One physical unit being returned: the thing inspected and dispositioned."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="items")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_items")
    unit_number = models.PositiveIntegerField(help_text="1, 2, ... within the return.")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    comment = models.TextField(blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    # The customer's photo of a damaged or faulty unit, sent with the request (re-encoded: core.uploads).
    customer_photo = models.ImageField(upload_to="customer-photos/%Y/%m/", blank=True)

    class Meta:
        verbose_name = "unit"  # the domain's word: one physical unit coming back
        ordering = ["return_request", "unit_number"]
        constraints = [
            models.UniqueConstraint(fields=["return_request", "unit_number"], name="return_item_unit_unique"),
        ]
        indexes = [models.Index(fields=["serial_number"], name="return_item_serial_idx")]

    def __str__(self) -> str:
        return f"{self.return_request} unit {self.unit_number} ({self.order_line.sku})"


class ReturnEventType(models.TextChoices):
    """What happened to a return: every event of its audit trail is one of these (docs/events.md).

    Webhooks, the API's event feed, billing and the timeline read the same vocabulary.
    """

    # The transitions of the lifecycle, each named for ReturnRequest's transition method.
    REQUEST = "request", "Requested"  # the return was opened (from_state is empty)
    AUTHORIZE = "authorize", "Authorized"  # the policy passed (or a manager overrode it): the RAN is issued
    REJECT = "reject", "Rejected"  # customer service refused the request
    CANCEL = "cancel", "Cancelled"  # the customer or customer service withdrew it
    EXPIRE = "expire", "Expired"  # the RAN ran out before the parcel arrived
    SHIP = "ship", "In transit"  # the carrier has the parcel
    RECEIVE = "receive", "Received"  # scanned in at the dock
    RECEIVE_EXPIRED = "receive_expired", "Received despite expiry"  # a manager accepted an expired RAN's parcel
    INSPECT = "inspect", "Inspected"  # the last unit was inspected
    DISPOSITION = "disposition", "Dispositioned"  # the last unit's disposition was confirmed
    REFUND = "refund", "Refunded"  # the refund was issued
    CLOSE_WITHOUT_REFUND = "close_without_refund", "Closed without refund"  # denied, or nothing owed
    # Changes that leave the state as it is.
    AUTHORIZATION_REFUSED = "authorization_refused", "Authorization held"  # a policy rule failed
    RECEIPT_ATTACHED = "receipt_attached", "Receipt attached"  # a receipt document added after the request
    SET_TRACKING = "set_tracking", "Tracking set"  # carrier and tracking number recorded or corrected
    CARRIER_EVENT = "carrier_event", "Carrier scan"  # a carrier's tracking event that moved nothing
    NOTE_ADDED = "note_added", "Note added"  # a person wrote a note on the return
    CUSTOMER_NOTIFIED = "customer_notified", "Customer told"  # customer service told the customer why it closed
    INSPECT_UNIT = "inspect_unit", "Unit inspected"  # one unit graded, or found missing
    DISPOSITION_UNIT = "disposition_unit", "Unit dispositioned"  # one unit's destination confirmed
    REFUND_PROPOSED = "refund_proposed", "Refund proposed"  # computed and queued for approval
    REFUND_APPROVED = "refund_approved", "Refund approved"  # one approval of the refund
    REFUND_REQUESTED = "refund_requested", "Refund sent to the client"  # refund.requested written for its system
    REFUND_AWAITING_CONFIRMATION = "refund_awaiting_confirmation", "Refund awaiting the client's confirmation"
    REFUND_FAILED = "refund_failed", "Refund failed"  # the client's system could not be reached, or refused
    REFUND_METHOD_SWITCHED = "refund_method_switched", "Refund switched to store credit"  # with the consent
    EXCHANGE_REQUESTED = "exchange_requested", "Exchange sent to the client"  # exchange.requested written
    REFUND_CORRECTION_PROPOSED = "refund_correction_proposed", "Refund correction proposed"  # a second refund
    REFUND_CORRECTION_ISSUED = "refund_correction_issued", "Refund correction issued"  # ... paid; still refunded
    REFUND_CORRECTION_DENIED = "refund_correction_denied", "Refund correction denied"  # ... refused; still refunded
    ORDER_CHARGED_BACK = "order_charged_back", "Order charged back"  # the client reported the bank's chargeback
    UNEXPECTED_PARCEL_MATCHED = "unexpected_parcel_matched", "Unexpected parcel matched"
    UNEXPECTED_PARCEL_CONVERTED = "unexpected_parcel_converted", "Created for an unexpected parcel"
    UNEXPECTED_PARCEL_REFUSED = "unexpected_parcel_refused", "Unexpected parcel refused"
    EXTRA_UNIT_FOUND = "extra_unit_found", "Extra unit found"  # the parcel held a unit the return does not list
    EXTRA_UNIT_ADDED = "extra_unit_added", "Extra unit added"  # ... which became a unit of the return
    EXTRA_UNIT_SENT_BACK = "extra_unit_sent_back", "Extra unit sent back"  # ... back to the customer
    EXTRA_UNIT_KEPT = "extra_unit_kept", "Extra unit kept"  # ... kept by the facility or the client
    # Personal data removed (rma.services.erasure); the event names no erased value.
    PERSONAL_DATA_ERASED = "personal_data_erased", "Personal data erased"  # on the customer's request
    PERSONAL_DATA_PURGED = "personal_data_purged", "Personal data purged"  # the retention period ended


class ReturnEvent(AppendOnly):
    """The audit trail: one row per transition or significant action, never changed or deleted.

    `from_state` is the state before the event and `to_state` the state after (equal when nothing moved;
    `from_state` is empty only on the `requested` event). Who acted is the staff or client account in
    `actor`, the portal customer in `customer` (by id: erasing their personal data leaves the trail whole),
    or the job in `system_job`, as `channel` says.
    """

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=40, choices=ReturnEventType.choices)
    from_state = models.CharField(max_length=20, choices=ReturnState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ReturnState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The customer who acted on the portal.",
    )
    system_job = models.CharField(max_length=60, blank=True, help_text="The job that acted, for system events.")
    channel = models.CharField(max_length=10, choices=EventChannel.choices)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["return_request", "at"], name="return_event_timeline_idx"),
            models.Index(fields=["at", "id"], name="return_event_at_idx"),  # the events list's order
        ]
        constraints = [
            # Every event names who acted, in the way its channel says.
            models.CheckConstraint(
                condition=(
                    Q(channel__in=[EventChannel.ADMIN, EventChannel.API], actor__isnull=False)
                    | Q(channel=EventChannel.PORTAL, customer__isnull=False)
                    | (Q(channel=EventChannel.SYSTEM) & ~Q(system_job=""))
                ),
                name="return_event_names_its_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def acted_by(self) -> str:
        """Who acted, as the timeline shows it."""
        if self.channel == EventChannel.SYSTEM:
            return f"system ({self.system_job})"
        if self.channel == EventChannel.PORTAL:
            return f"customer #{self.customer_id} on the portal"
        suffix = " (API)" if self.channel == EventChannel.API else ""
        return f"{self.actor}{suffix}"


class ReportDayToRefresh(models.Model):
    """A return requested on `day` (facility time) changed: the reports' figures kept for that client's day are
    stale until recomputed. Written with every event (rma.trail), one row each, never updated (so changes never
    wait on each other); the reports' refresh job deletes the rows it has read once it recomputed their days."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["day", "client"], name="report_day_to_refresh_idx")]

    def __str__(self) -> str:
        return f"{self.day} of client #{self.client_id}"


class ScanResult(models.TextChoices):
    RECEIVED = "received"  # a valid RAN, the return is now received
    DUPLICATE = "duplicate"  # already received (or further along): nothing changed
    WRONG_STATE = "wrong_state", "Wrong state"  # expired, cancelled or rejected: do not accept, put aside
    MISTYPED = "mistyped"  # wrong check symbol, and no return has it as its tracking number
    AMBIGUOUS = "ambiguous"  # a tracking number several live returns share: nothing changed, no parcel opened
    UNKNOWN = "unknown"  # no such RAN or tracking number: an unexpected parcel is opened


class ReceivingScan(models.Model):
    """Every dock scan, whatever came of it."""

    code = models.CharField(max_length=200, help_text="As scanned or typed.")
    normalized_code = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=20, choices=ScanResult.choices)
    return_request = models.ForeignKey(
        ReturnRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="scans"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="scans",
        help_text="The site where the parcel was scanned; empty when the dock user has no site.",
    )
    wrong_site = models.BooleanField(
        default=False, help_text="The parcel was routed to another site: received here, to be forwarded there.",
    )
    scanned_at = models.DateTimeField()
    note = models.TextField(blank=True)
    idempotency_key = models.UUIDField(
        null=True, blank=True, unique=True, editable=False,
        help_text="The dock screen's key for this scan: a retry with it records nothing new.",
    )

    class Meta:
        ordering = ["-scanned_at", "-id"]
        indexes = [
            models.Index(fields=["result", "scanned_at"], name="scan_result_idx"),
            models.Index(fields=["scanned_at", "id"], name="scan_time_idx"),  # the scans list's order
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.result}"


class ParcelStatus(models.TextChoices):
    OPEN = "open"  # waiting for customer service
    MATCHED = "matched"  # belongs to an existing return
    CONVERTED = "converted"  # a return was created for it
    REFUSED = "refused"  # sent back to the sender


class UnexpectedParcel(TimeStamped):
    """A parcel whose code matched no return: held until customer service resolves it."""

    scan = models.OneToOneField(ReceivingScan, on_delete=models.PROTECT, related_name="unexpected_parcel")
    code = models.CharField(max_length=200)
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="unexpected_parcels",
        help_text="The site holding the parcel: where it was scanned.",
    )
    status = models.CharField(max_length=20, choices=ParcelStatus.choices, default=ParcelStatus.OPEN)
    dock_note = models.TextField(blank=True)
    photo = models.ImageField(upload_to="parcels/%Y/%m/", blank=True)
    return_request = models.ForeignKey(
        ReturnRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="unexpected_parcels"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="parcel_status_idx")]

    def __str__(self) -> str:
        return f"Unexpected parcel {self.code}"


class CarrierEventOutcome(models.TextChoices):
    APPLIED = "applied"  # moved the return on (an in-transit scan of an authorized return)
    RECORDED = "recorded"  # kept for the record; nothing to change
    UNKNOWN_TRACKING = "unknown_tracking", "Unknown tracking number"  # no return has it: reported, never guessed
    REFUSED = "refused"  # the return could not take this event (e.g. cancelled); reported


class CarrierEvent(models.Model):
    """One scan event from a carrier's tracking feed, and what it did."""

    tracking_number = models.CharField(max_length=100)
    carrier = models.CharField(max_length=60, blank=True)
    event = models.CharField(max_length=60, help_text="The carrier's event, e.g. in_transit, delivered.")
    description = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    return_request = models.ForeignKey(
        ReturnRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="carrier_events"
    )
    outcome = models.CharField(max_length=20, choices=CarrierEventOutcome.choices)
    message = models.CharField(max_length=300, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when a scheduled job imported the carrier's feed.",
    )
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["tracking_number", "occurred_at"], name="carrier_event_tracking_idx"),
            models.Index(fields=["outcome", "imported_at"], name="carrier_event_outcome_idx"),
            models.Index(fields=["occurred_at", "id"], name="carrier_event_time_idx"),  # the list's order
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.event} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_settled(self) -> bool:
        """It matched a return: recording it again changes nothing. One that matched none is looked up again."""
        return self.return_request_id is not None


class ExtraUnitStatus(models.TextChoices):
    OPEN = "open"  # found in a parcel, not listed on its return: waiting for customer service
    ADDED = "added"  # added to the return as a unit, to be inspected with it
    SENT_BACK = "sent_back", "Sent back"  # returned to the customer
    KEPT = "kept"  # kept by the facility / client (e.g. worthless, customer agreed)


class ExtraUnit(models.Model):
    """A unit found in a parcel that its return does not list; customer service decides what happens."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT, related_name="extra_units")
    sku = models.CharField(max_length=64, blank=True, help_text="As read from the unit, if it has one.")
    description = models.CharField(max_length=300)
    serial_number = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    photo = models.ImageField(upload_to="extra-units/%Y/%m/", blank=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ExtraUnitStatus.choices, default=ExtraUnitStatus.OPEN)
    added_as = models.OneToOneField(
        ReturnItem, null=True, blank=True, on_delete=models.PROTECT, related_name="found_as_extra"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "found_at"]
        indexes = [models.Index(fields=["status", "found_at"], name="extra_unit_status_idx")]

    def __str__(self) -> str:
        return f"Extra unit in {self.return_request}: {self.description}"
