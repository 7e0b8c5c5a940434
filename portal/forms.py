"""The portal's forms: the two lookups, and the return itself (a reason per unit, the refund method)."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from core.uploads import checked_photo
from portal import words
from rma.models import OrderLine, RefundMethod, ReturnPolicy, ReturnRequest
from rma.policy import LineStanding

NO_MATCH = _(
    "We could not find a return for these details. Check the number and the email address you ordered with, "
    "and try again."
)
NO_ORDER_MATCH = _(
    "We could not find an order with this number and email address. Check both (the email address is the one "
    "you ordered with) and try again."
)


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=64)
    email = forms.EmailField(label=_("Email address"), max_length=254)


class StatusLookupForm(forms.Form):
    ran = forms.CharField(label=_("Return number (RAN)"), max_length=20, help_text=_("For example RA-7K3M-Q9TX-4"))
    email = forms.EmailField(label=_("Email address"), max_length=254)


@dataclass(frozen=True)
class Unit:
    """One physical unit the customer may send back: the `number`th returnable unit of `line`."""

    line: OrderLine
    number: int
    of: int

    @property
    def prefix(self) -> str:
        return f"unit-{self.line.pk}-{self.number}"


def returnable_units(standing: list[LineStanding]) -> list[Unit]:
    return [
        Unit(line=entry.line, number=number, of=entry.returnable)
        for entry in standing for number in range(1, entry.returnable + 1)
    ]


def percent(value: Decimal) -> str:
    return number_format(value.normalize(), use_l10n=True)


def refund_method_choices(policy: ReturnPolicy) -> list[tuple[str, str]]:
    choices = []
    for method in policy.offered_refund_methods():
        label = str(words.REFUND_METHODS[method])
        if method == RefundMethod.STORE_CREDIT and policy.store_credit_bonus_percent:
            label = gettext("%(method)s, with a %(bonus)s%% bonus on top") % {
                "method": label, "bonus": percent(policy.store_credit_bonus_percent),
            }
        choices.append((method, label))
    return choices


class ReturnForm(forms.Form):
    """Which units come back, why, and how the customer wants their money back."""

    def __init__(self, *args, units: list[Unit], policy: ReturnPolicy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.policy = policy
        reasons = [("", gettext("Choose a reason"))] + [
            (reason, words.REASONS[reason]) for reason in policy.accepted_reasons if reason in words.REASONS
        ]
        comment_length = 1000
        for unit in units:
            self.fields[f"{unit.prefix}-return"] = forms.BooleanField(label=_("Return this item"), required=False)
            self.fields[f"{unit.prefix}-reason"] = forms.ChoiceField(label=_("Reason"), choices=reasons, required=False)
            self.fields[f"{unit.prefix}-comment"] = forms.CharField(
                label=_("Comment (optional)"), required=False, max_length=comment_length, widget=forms.Textarea(
                    attrs={"rows": 2}),
            )
            self.fields[f"{unit.prefix}-photo"] = forms.FileField(
                label=_("Photo of the damage"), required=False,
                help_text=_("Needed if it arrived damaged: a JPEG, PNG or WebP picture."),
                widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            )
        methods = refund_method_choices(policy)
        if len(methods) > 1:
            self.fields["refund_method"] = forms.ChoiceField(
                label=_("How would you like your money back?"), choices=methods, widget=forms.RadioSelect,
                initial=methods[0][0],
            )
        if RefundMethod.EXCHANGE in policy.offered_refund_methods():
            self.fields["exchange_sku"] = forms.CharField(
                label=_("Item you want instead (article number)"), required=False,
                max_length=ReturnRequest._meta.get_field("exchange_sku").max_length,
                help_text=_("Only for an exchange."),
            )

    def rows(self) -> list[dict]:
        """The bound fields of each unit, for the template."""
        return [
            {"unit": unit, **{name: self[f"{unit.prefix}-{name}"] for name in ("return", "reason", "comment", "photo")}}
            for unit in self.units
        ]

    def clean(self) -> dict:
        data = super().clean()
        chosen = [unit for unit in self.units if data.get(f"{unit.prefix}-return")]
        if not chosen:
            raise forms.ValidationError(gettext("Tick at least one item to return."), code="nothing_chosen")
        for unit in chosen:
            reason = data.get(f"{unit.prefix}-reason")
            photo = data.get(f"{unit.prefix}-photo")
            if not reason:
                self.add_error(f"{unit.prefix}-reason", gettext("Choose why you are returning this item."))
            elif reason in words.NEEDS_PHOTO and not photo:
                self.add_error(f"{unit.prefix}-photo", gettext("Add a photo that shows the damage."))
            if photo:
                try:
                    data[f"{unit.prefix}-photo"] = checked_photo(photo)  # the service takes it as checked
                except InvalidInput as refusal:
                    self.add_error(f"{unit.prefix}-photo", forms.ValidationError(gettext(
                        "We cannot use this file. Send a JPEG, PNG or WebP photo of up to %(size)s MB.") % {
                        "size": settings.MAX_PHOTO_BYTES // (1024 * 1024)}, code=refusal.code))
        method = data.get("refund_method") or self.policy.default_refund_method()
        if method == RefundMethod.EXCHANGE and not (data.get("exchange_sku") or "").strip():
            self.add_error("exchange_sku", gettext("Tell us which item you want in exchange."))
        if method != RefundMethod.EXCHANGE:
            data["exchange_sku"] = ""
        data["refund_method"] = method
        self.chosen = chosen
        return data

    def items(self) -> list[dict]:
        """The chosen units as rma.services.create_return_request takes them: one entry per unit."""
        data = self.cleaned_data
        return [
            {
                "order_line": unit.line, "quantity": 1, "reason": data[f"{unit.prefix}-reason"],
                "comment": data.get(f"{unit.prefix}-comment", ""), "photo": data.get(f"{unit.prefix}-photo"),
            }
            for unit in self.chosen
        ]
