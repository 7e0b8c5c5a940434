"""The portal's forms; each unit's choices come from the client's policy."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rma.models import Reason, RefundMethod, ReturnPolicy
from rma.policy import LineStanding


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=100)
    email = forms.EmailField(label=_("Email address used for the order"), max_length=254)


class StatusForm(forms.Form):
    ran = forms.CharField(label=_("Return number (RAN)"), max_length=40)
    email = forms.EmailField(label=_("Email address used for the order"), max_length=254)


REASON_WORDS = {
    Reason.DEFECTIVE: _("It is defective"),
    Reason.DAMAGED_IN_TRANSIT: _("It arrived damaged"),
    Reason.WRONG_ITEM: _("I received the wrong item"),
    Reason.NOT_AS_DESCRIBED: _("It is not as described"),
    Reason.CHANGED_MIND: _("I changed my mind"),
    Reason.SIZE_FIT: _("The size or fit is wrong"),
    Reason.ARRIVED_LATE: _("It arrived too late"),
    Reason.OTHER: _("Another reason"),
}
METHOD_WORDS = {
    RefundMethod.ORIGINAL_PAYMENT: _("Refund to my original payment"),
    RefundMethod.STORE_CREDIT: _("Store credit"),
    RefundMethod.GIFT_CARD: _("A gift card"),
    RefundMethod.EXCHANGE: _("An exchange"),
}


DAMAGE_REASONS = {Reason.DEFECTIVE, Reason.DAMAGED_IN_TRANSIT}


class ReturnForm(forms.Form):
    """How many units of each returnable line, why, and how the customer wants the money back."""

    def __init__(self, *args, standings: list[LineStanding], policy: ReturnPolicy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.standings = [standing for standing in standings if standing.returnable]
        reasons = [("", _("Choose a reason"))] + [(code, REASON_WORDS[code]) for code in policy.accepted_reasons]
        for standing in self.standings:
            line = standing.line
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=_("How many to return"), min_value=0, max_value=standing.returnable, initial=0,
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(label=_("Reason"), choices=reasons, required=False)
            self.fields[f"comment_{line.pk}"] = forms.CharField(
                label=_("Comment (optional)"), max_length=1000, required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"photo_{line.pk}"] = forms.FileField(
                label=_("Photo of the damage (for a damage claim, optional)"), required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            )
        methods = policy.offered_refund_methods()
        self.methods = [method for method in methods if method != RefundMethod.EXCHANGE]
        if len(self.methods) > 1:
            bonus = policy.store_credit_bonus_percent
            choices = []
            for method in self.methods:
                words = METHOD_WORDS[method]
                if method == RefundMethod.STORE_CREDIT and bonus:
                    words = _("Store credit with a %(bonus)s%% bonus") % {"bonus": f"{bonus.normalize():f}"}
                choices.append((method, words))
            self.fields["refund_method"] = forms.ChoiceField(
                label=_("How would you like your money back?"), choices=choices, widget=forms.RadioSelect,
                initial=self.methods[0],
            )

    def rows(self):
        for standing in self.standings:
            pk = standing.line.pk
            yield standing, [self[f"{name}_{pk}"] for name in ("quantity", "reason", "comment", "photo")]

    def clean(self):
        data = super().clean()
        items = []
        for standing in self.standings:
            pk = standing.line.pk
            quantity = data.get(f"quantity_{pk}") or 0
            if not quantity:
                continue
            if not data.get(f"reason_{pk}"):
                self.add_error(f"reason_{pk}", _("Tell us why you return this item."))
                continue
            photo = data.get(f"photo_{pk}")
            if photo and data[f"reason_{pk}"] not in DAMAGE_REASONS:
                self.add_error(f"photo_{pk}", _("A photo is for damage claims: choose the reason that says so."))
                continue
            items.append({
                "order_line": standing.line, "quantity": quantity, "reason": data[f"reason_{pk}"],
                "comment": data.get(f"comment_{pk}", ""), "photo": photo,
            })
        if not items and not self.errors:
            raise forms.ValidationError(_("Choose at least one item to return."))
        data["items"] = items
        data.setdefault("refund_method", self.methods[0] if self.methods else None)
        return data
