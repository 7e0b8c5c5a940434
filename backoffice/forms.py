"""Forms of the return's admin and the dock: finding an order, entering a request, noting what a parcel held."""

from django import forms

from core.errors import DomainError
from core.uploads import PhotoField, ReceiptField
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import Client, Order, Reason, RefundMethod, RequestChannel, ReturnRequest

STAFF_CHANNELS = [
    (RequestChannel.PHONE, "Phone"), (RequestChannel.EMAIL, "Email"),
    (RequestChannel.CHAT, "Chat"), (RequestChannel.ADMIN, "Back office"),
]


class OrderLookupForm(forms.Form):
    """The order a customer calls about, by its number however they read it out, or by their email.

    A number matching no imported order is asked of the client's system, where the client set up a
    live order lookup (rma.services.find_order); if that system cannot answer, the form says so.
    """

    client = forms.ModelChoiceField(queryset=Client.objects.filter(is_active=True))
    order_number = forms.CharField(
        label="Order number or customer email", max_length=254, widget=forms.TextInput(attrs={"autofocus": True}),
        help_text="Any case, with or without spaces, dashes or slashes (ab 1001 finds AB-1001).",
    )

    def __init__(self, *args, actor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.found_live = False  # the order came from the client's system just now

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        reference = cleaned["order_number"].strip()
        self._orders = rma_selectors.orders_matching(client=cleaned["client"], reference=reference)
        if not self._orders and "@" not in reference:
            try:
                order = rma_services.find_order(client=cleaned["client"], number=reference, actor=self.actor)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
            self._orders = [order] if order else []
            self.found_live = order is not None
        if not self._orders:
            if "@" in reference:
                raise forms.ValidationError(f"{cleaned['client']} has no orders of a customer {reference}.")
            raise forms.ValidationError(f"{cleaned['client']} has no order {reference}.")
        return cleaned

    def order(self) -> Order | None:
        """The one order found; None when several match and the person picks one of `matches`."""
        return self._orders[0] if len(self._orders) == 1 else None

    def matches(self) -> list[Order]:
        return self._orders


class NewReturnForm(forms.Form):
    """One row per order line: how many units come back and why."""

    channel = forms.ChoiceField(choices=STAFF_CHANNELS, initial=RequestChannel.PHONE)
    refund_method = forms.ChoiceField(choices=RefundMethod.choices)
    exchange_sku = forms.CharField(
        label="Replacement SKU", max_length=64, required=False,
        help_text="For an exchange: the SKU the customer takes instead.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    receipt_document = ReceiptField(required=False)

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.lines = list(order.lines.all())
        policy = rma_selectors.current_policy(client=order.client)
        if policy and policy.refund_methods:
            self.fields["refund_method"].choices = [
                (method, label) for method, label in RefundMethod.choices if method in policy.refund_methods
            ]
        # Units of each line already on other returns (rejected, cancelled and expired ones give theirs back).
        self.claimed = rma_selectors.units_claimed(line_ids=[line.pk for line in self.lines])
        for line in self.lines:
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                min_value=0, max_value=10_000, initial=0, label=f"{line.sku} (of {line.quantity})"
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(choices=Reason.choices, required=False)
            self.fields[f"serial_{line.pk}"] = forms.CharField(max_length=100, required=False)
            self.fields[f"comment_{line.pk}"] = forms.CharField(max_length=1000, required=False)

    def returnable(self, line) -> int:
        return max(line.quantity - self.claimed.get(line.pk, 0), 0)

    def line_rows(self) -> list[dict]:
        return [
            {
                "line": line, "returned": self.claimed.get(line.pk, 0), "returnable": self.returnable(line),
                **{name: self[f"{name}_{line.pk}"] for name in ("quantity", "reason", "serial", "comment")},
            }
            for line in self.lines
        ]

    def _too_many(self, line, quantity: int) -> str:
        returned = self.claimed.get(line.pk, 0)
        if not returned:
            return f"Only {line.quantity} delivered: {quantity} cannot come back."
        if not self.returnable(line):
            return f"All {line.quantity} delivered are already on other returns."
        return (f"Only {self.returnable(line)} more can come back: {line.quantity} delivered, "
                f"{returned} already on other returns.")

    def clean(self):
        cleaned = super().clean()
        items = []
        for line in self.lines:
            quantity = cleaned.get(f"quantity_{line.pk}") or 0
            if not quantity:
                continue
            if quantity > self.returnable(line):
                self.add_error(f"quantity_{line.pk}", self._too_many(line, quantity))
                continue
            if not cleaned.get(f"reason_{line.pk}"):
                self.add_error(f"reason_{line.pk}", "Give the reason for returning this item.")
                continue
            items.append({
                "order_line": line, "quantity": quantity, "reason": cleaned[f"reason_{line.pk}"],
                "serial_number": cleaned.get(f"serial_{line.pk}", ""),
                "comment": cleaned.get(f"comment_{line.pk}", ""),
            })
        if cleaned.get("refund_method") == RefundMethod.EXCHANGE:
            if "exchange_sku" in cleaned and not cleaned["exchange_sku"]:
                self.add_error("exchange_sku", "Give the SKU the customer takes in exchange.")
        else:
            cleaned["exchange_sku"] = ""  # typed before another method was picked: not an exchange after all
        if not items and not self.errors:
            raise forms.ValidationError("Enter a quantity for at least one item.")
        cleaned["items"] = items
        return cleaned

    def create(self, *, actor) -> ReturnRequest:
        data = self.cleaned_data
        return rma_services.create_return_request(
            order=self.order, items=data["items"], channel=data["channel"], actor=actor,
            refund_method=data["refund_method"], notes=data["notes"],
            receipt_document=data.get("receipt_document"), exchange_sku=data["exchange_sku"],
        )


class ExtraUnitForm(forms.Form):
    """A unit found in a parcel that its return does not list, with a photo of it if the dock took one."""

    prefix = "extra"

    description = forms.CharField(max_length=300, label="What is it?")
    sku = forms.CharField(max_length=64, required=False, label="SKU, if it has a label")
    serial_number = forms.CharField(max_length=100, required=False)
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = PhotoField(required=False)


def errors_text(form: forms.Form) -> str:
    """A form's errors in one line, for a message."""
    return "; ".join(
        f"{form[field].label}: {' '.join(texts)}" if field in form.fields else " ".join(texts)
        for field, texts in form.errors.items()
    )
