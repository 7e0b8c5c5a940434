"""Finance's screens: the approval queue, one refund at a time or in bulk, and the ledger."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.forms import PeriodDateField
from core.money import format_money
from core.words import counted
from outbox import selectors as outbox_selectors
from refunds import models, selectors, services
from refunds.settlement_admin import SettlementAdmin
from rma.list_admin import ListedAdmin
from rma.models import Client, Customer, RefundMethod


class QueueFilter(admin.SimpleListFilter):
    """Finance opens the queue on what waits for them; the other views are one click away."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in selectors.REFUND_QUEUES.items()]

    def value(self):
        return selectors.queue_of(super().value())

    def queryset(self, request, queryset):
        return selectors.in_queue(queryset, self.value())

    def choices(self, changelist):
        for key, label in self.lookups(None, None):
            yield {
                "selected": self.value() == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }


class DenyForm(forms.Form):
    reason = forms.CharField(label="Reason for the denial", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}))


class IssueForm(forms.Form):
    reference = forms.CharField(
        required=False, max_length=200, label="Payout reference", widget=forms.TextInput(attrs={"autofocus": True}),
        help_text="The payout's reference when it was settled in the client's payment system (for an exchange, "
        "the replacement order's number). Leave empty to pay store credit from our ledger.",
    )


class ConsentForm(forms.Form):
    consent = forms.CharField(
        label="Customer's consent", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How and when the customer agreed to store credit, e.g. 'On the phone, 2 Dec, 14:10'.",
    )


# What finance may issue: the queue "Approved, to issue" (approved, or failed on its way to the client's system).
ISSUABLE = (*selectors.REFUND_QUEUES["approved"][1], models.RefundStatus.REQUESTED)


class BulkIssueForm(forms.Form):
    """One reference per refund, or one settlement batch reference for every refund left without its own."""

    batch_reference = forms.CharField(
        required=False, max_length=200, label="Settlement batch reference",
        widget=forms.TextInput(attrs={"autofocus": True}),
        help_text="Recorded on every refund below whose own reference is empty. Leave both empty to pay "
        "through the refund's channel (store credit from our ledger, the client's integration).",
    )

    def __init__(self, *args, refunds: list[models.Refund], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refunds = refunds
        for refund in refunds:
            self.fields[self.field_name(refund)] = forms.CharField(
                required=False, max_length=200, label=f"Reference for {refund.return_request}",
            )

    @staticmethod
    def field_name(refund: models.Refund) -> str:
        return f"reference_{refund.pk}"

    def rows(self) -> list[tuple[models.Refund, forms.BoundField]]:
        return [(refund, self[self.field_name(refund)]) for refund in self.refunds]

    def reference_for(self, refund: models.Refund) -> str | None:
        own = self.cleaned_data[self.field_name(refund)].strip()
        return own or self.cleaned_data["batch_reference"].strip() or None


class RefundApprovalInline(admin.TabularInline):
    model = models.RefundApproval
    extra = 0
    can_delete = False
    readonly_fields = ["approver", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Refund)
class RefundAdmin(SettlementAdmin, ListedAdmin, ReadOnlyAdmin):
    list_display = [
        "return_column", "client_column", "customer_column", "amount_column", "method", "breakdown_column",
        "inspection_column", "signals_column", "status", "waiting_column", "external_reference",
    ]
    list_display_links = ["amount_column"]
    list_filter = [QueueFilter, "method", "return_request__client"]
    list_spec = selectors.REFUNDS_LIST  # oldest first: nobody waits longest by accident
    search_help_text = "RAN, customer email, or the start of an order number, external reference or RAN"
    list_per_page = 50
    actions = ["approve_selected", "deny_selected", "issue_selected"]
    readonly_fields = [
        "return_request", "amount_shown", "bonus_shown", "method", "status", "external_reference",
        "proposed_by", "proposed_at", "approved_at", "issued_by", "issued_at", "denied_by", "denied_at",
        "denial_reason",
    ]
    exclude = ["breakdown", "is_correction", "correction_reason", "amount", "bonus_amount", "currency"]
    inlines = [RefundApprovalInline]
    change_form_template = "admin/refunds/refund/change_form.html"

    # -- columns -----------------------------------------------------------------------------------

    @admin.display(description="return", ordering="return_request__ran")
    def return_column(self, refund: models.Refund) -> str:
        url = reverse("admin:rma_returnrequest_change", args=[refund.return_request_id])
        return format_html('<a href="{}">{}</a>', url, refund.return_request)

    @admin.display(description="client", ordering="return_request__client__name")
    def client_column(self, refund: models.Refund) -> str:
        return refund.return_request.client.name

    @admin.display(description="customer", ordering="return_request__customer__email")
    def customer_column(self, refund: models.Refund) -> str:
        return refund.return_request.customer.email

    @admin.display(description="amount", ordering="amount")
    def amount_column(self, refund: models.Refund) -> str:
        bonus = f" + {format_money(refund.bonus_amount, refund.currency)} bonus" if refund.bonus_amount else ""
        return f"{format_money(refund.amount, refund.currency)}{bonus}"

    @admin.display(description="amount")
    def amount_shown(self, refund: models.Refund) -> str:
        return format_money(refund.amount, refund.currency)

    @admin.display(description="store-credit bonus")
    def bonus_shown(self, refund: models.Refund) -> str:
        return format_money(refund.bonus_amount, refund.currency)

    @admin.display(description="breakdown")
    def breakdown_column(self, refund: models.Refund) -> str:
        b, currency = refund.breakdown, refund.currency
        if refund.is_correction:
            return f"correction: {refund.correction_reason}"

        def nonzero(key: str) -> bool:
            return Decimal(b.get(key) or 0) != 0

        parts = [f"{counted(len(b.get('units', [])), 'unit')} {format_money(b.get('paid_for_units'), currency)}"]
        if nonzero("restocking_fees"):
            parts.append(f"− restocking {format_money(b['restocking_fees'], currency)}")
        if nonzero("return_shipping_fee"):
            parts.append(f"− shipping {format_money(b['return_shipping_fee'], currency)}")
        if b.get("capped"):
            parts.append(f"capped at {format_money(b.get('cap'), currency)}")
        return " ".join(parts)

    @admin.display(description="grades")
    def inspection_column(self, refund: models.Refund) -> str:
        grades = [
            "missing" if item.inspection.missing else item.inspection.grade
            for item in refund.return_request.items.all() if hasattr(item, "inspection")
        ]
        return ", ".join(grades) or "–"

    @admin.display(description="fraud signals")
    def signals_column(self, refund: models.Refund) -> str:
        signals = selectors.fraud_signals(refund=refund).as_list()
        if not signals:
            return "–"
        return format_html_join("", '<span class="signal">{}</span>', ((signal,) for signal in signals))

    @admin.display(description="waiting", ordering="proposed_at")
    def waiting_column(self, refund: models.Refund) -> str:
        hours = int((timezone.now() - refund.proposed_at).total_seconds() // 3600)
        return f"{hours // 24}d {hours % 24}h" if hours >= 24 else f"{hours}h"

    # -- bulk permissions (refunds themselves are made by services, never typed in) ----------------

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("refunds.approve_refund")

    def has_deny_permission(self, request) -> bool:
        return request.user.has_perm("refunds.deny_refund")

    def has_issue_permission(self, request) -> bool:
        return request.user.has_perm("refunds.issue_refund")

    # -- bulk ----------------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action")
        if request.method == "POST" and action and action not in self.get_actions(request):
            raise PermissionDenied
        if request.user.has_perm("outbox.view_message"):
            extra_context = {**(extra_context or {}), "failed_deliveries": outbox_selectors.failed_message_count()}
        return super().changelist_view(request, extra_context)

    def _each(self, request, queryset, run, done: str) -> None:
        succeeded = 0
        for refund in queryset:
            try:
                run(refund)
                succeeded += 1
            except DomainError as error:
                self.message_user(request, f"{refund.return_request}: {error.message}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{counted(succeeded, 'refund')} {done}.", messages.SUCCESS)

    @admin.action(description="Approve selected refunds", permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._each(request, queryset, lambda r: services.approve_refund(refund=r, actor=request.user), "approved")
        waiting = [str(refund.return_request) for refund in queryset.filter(status=models.RefundStatus.PENDING_APPROVAL)
                   if refund.approvals.filter(approver=request.user).exists()]
        if waiting:
            self.message_user(request, f"Still waiting for a manager's second approval: {', '.join(waiting)}.",
                              messages.WARNING)

    @admin.action(description="Deny selected refunds…", permissions=["deny"])
    def deny_selected(self, request, queryset):
        form = DenyForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(request, queryset,
                       lambda r: services.deny_refund(refund=r, actor=request.user, reason=reason), "denied")
            return None
        return TemplateResponse(request, "admin/refunds/refund/bulk_deny.html", {
            **self.admin_site.each_context(request), "title": "Deny refunds", "form": form,
            "refunds": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Issue selected refunds…", permissions=["issue"])
    def issue_selected(self, request, queryset):
        selected = list(queryset)
        ready = [refund for refund in selected if refund.status in ISSUABLE]
        if not ready:
            self.message_user(request, "None of the selected refunds is approved: only approved refunds are issued.",
                              messages.WARNING)
            return None
        form = BulkIssueForm(request.POST if "apply" in request.POST else None, refunds=ready)
        if "apply" in request.POST and form.is_valid():
            # One service call per refund, each its own transaction: a refund that fails leaves the others paid.
            self._each(request, ready, lambda r: services.issue_refund(
                refund=r, actor=request.user, reference=form.reference_for(r)), "issued")
            return None
        return TemplateResponse(request, "admin/refunds/refund/bulk_issue.html", {
            **self.admin_site.each_context(request), "title": "Issue refunds", "form": form,
            "not_ready": [refund for refund in selected if refund.status not in ISSUABLE],
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    # -- one refund ----------------------------------------------------------------------------------

    ONE_AT_A_TIME = {
        "approve": ("Approve", "refunds.approve_refund", None),
        "deny": ("Deny", "refunds.deny_refund", DenyForm),
        "issue": ("Issue", "refunds.issue_refund", IssueForm),
        "switch": ("Switch to store credit", "refunds.switch_refund_method", ConsentForm),
    }

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("totals/", view(self.totals_view), name="refunds_refund_totals"),
            path("<int:object_id>/act/<slug:action>/", view(self.action_view), name="refunds_refund_act"),
        ]
        return own + super().get_urls()

    def totals_view(self, request: HttpRequest) -> HttpResponse:
        """Refunds approved and issued per client and day, in the facility's time zone."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TotalsForm(request.GET or None)
        since, until = form.period()
        return TemplateResponse(request, "admin/refunds/refund/totals.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Refunds per client and day",
            "form": form, "since": since, "until": until,
            "totals": selectors.daily_totals(since=since, until=until, tzinfo=timezone.get_current_timezone()),
        })

    def offered(self, request, refund: models.Refund) -> list[tuple[str, str]]:
        states = {
            "approve": [models.RefundStatus.PENDING_APPROVAL],
            "deny": [models.RefundStatus.PENDING_APPROVAL, models.RefundStatus.APPROVED],
            "issue": [models.RefundStatus.APPROVED, models.RefundStatus.REQUESTED, models.RefundStatus.FAILED],
            "switch": list(services.SWITCHABLE) if refund.method != RefundMethod.STORE_CREDIT else [],
        }
        return [
            (name, label) for name, (label, permission, _) in self.ONE_AT_A_TIME.items()
            if request.user.has_perm(permission) and refund.status in states[name]
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        refund = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if refund is not None:
            context.update({
                "refund": refund,
                "signals": selectors.fraud_signals(refund=refund).as_list(),
                "offered": self.offered(request, refund),
                "issue_form": IssueForm(),
                "deny_form": DenyForm(),
                "consent_form": ConsentForm(),
                "delivery_failure": selectors.delivery_failure(refund=refund),
            })
        return super().change_view(request, object_id, form_url, context)

    def action_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        refund = get_object_or_404(models.Refund, pk=object_id)
        if action not in self.ONE_AT_A_TIME or request.method != "POST":
            raise PermissionDenied
        label, permission, form_class = self.ONE_AT_A_TIME[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        form = form_class(request.POST) if form_class else None
        back = reverse("admin:refunds_refund_change", args=[refund.pk])
        if form is not None and not form.is_valid():
            self.message_user(request, "; ".join(e for errors in form.errors.values() for e in errors),
                              messages.ERROR)
            return HttpResponseRedirect(back)
        data = form.cleaned_data if form else {}
        run = {
            "approve": lambda: services.approve_refund(refund=refund, actor=request.user),
            "deny": lambda: services.deny_refund(refund=refund, actor=request.user, reason=data["reason"]),
            "issue": lambda: services.issue_refund(refund=refund, actor=request.user,
                                                   reference=data.get("reference") or None),
            "switch": lambda: services.switch_refund_to_store_credit(refund=refund, actor=request.user,
                                                                     consent=data["consent"]),
        }[action]
        try:
            result = run()
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, done_message(label, result), messages.SUCCESS)
        return HttpResponseRedirect(back)


def done_message(label: str, refund: models.Refund) -> str:
    if label == "Issue" and refund.status != models.RefundStatus.ISSUED and refund.method == RefundMethod.EXCHANGE:
        return (f"Sent to {refund.return_request.client}'s system as exchange.requested: it is issued when their "
                "system confirms the replacement order.")
    if label == "Approve" and refund.status == models.RefundStatus.ISSUED:
        paid = (f"gift card {refund.gift_card}, its code emailed to the customer"
                if refund.method == RefundMethod.GIFT_CARD else "store credit")
        return f"Approved and issued as {paid}: {refund.return_request} is refunded."
    if label == "Issue" and refund.status != models.RefundStatus.ISSUED:
        return (f"Sent to {refund.return_request.client}'s payment system as refund.requested: it is issued "
                "when their system confirms the payout.")
    return f"{label}: done for {refund.return_request}."


class TotalsForm(forms.Form):
    """The days the totals cover: the last two weeks unless given, at most a year."""

    since = PeriodDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = PeriodDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    LONGEST = dt.timedelta(days=366)
    DEFAULT = dt.timedelta(days=13)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and not dt.timedelta(0) <= until - since <= self.LONGEST:
            raise forms.ValidationError("Pick a period of up to a year, its first day before its last.")
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        until = data.get("until") or today
        since = data.get("since") or until - self.DEFAULT
        return max(since, until - self.LONGEST), until


class AdjustmentForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.filter(is_active=True))
    email = forms.EmailField(label="Customer email")
    currency = forms.CharField(max_length=3, min_length=3, initial="EUR")
    amount = forms.DecimalField(max_digits=12, decimal_places=3, help_text="Negative to take credit away.")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept on the ledger entry.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("client") and cleaned.get("email"):
            cleaned["customer"] = Customer.objects.filter(
                client=cleaned["client"], email__iexact=cleaned["email"]
            ).first()
            if cleaned["customer"] is None:
                self.add_error("email", f"{cleaned['client']} has no customer with this email.")
        return cleaned

    def adjustment(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("customer", "currency", "amount", "reason")}


@admin.register(models.StoreCreditEntry)
class StoreCreditEntryAdmin(ReadOnlyAdmin):
    """The ledger: entries are written by refunds and by finance's adjustments, never edited."""

    list_display = ["at", "customer", "client_column", "amount_column", "kind", "refund", "created_by", "note"]
    list_filter = ["kind", "currency", "customer__client"]
    list_select_related = ["customer__client", "refund__return_request", "created_by"]
    search_fields = ["customer__email"]

    @admin.display(description="amount", ordering="amount")
    def amount_column(self, entry: models.StoreCreditEntry) -> str:
        return format_money(entry.amount, entry.currency)

    @admin.display(description="client", ordering="customer__client__name")
    def client_column(self, entry: models.StoreCreditEntry) -> str:
        return entry.customer.client.name

    def has_add_permission(self, request) -> bool:
        # "Add" opens the adjustment form, which goes through refunds.services.adjust_store_credit.
        return request.user.has_perm("refunds.adjust_store_credit")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdjustmentForm(request.POST or None)
        back = reverse("admin:refunds_storecreditentry_changelist")
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.adjust_store_credit(actor=request.user, **form.adjustment())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"Adjusted {entry.customer}: {entry}.", messages.SUCCESS)
                return HttpResponseRedirect(back)
        return TemplateResponse(request, "admin/service_form.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Adjust a store-credit balance",
            "form": form, "submit_label": "Adjust", "back": back,
            "explanation": "A correction is a new entry of the ledger; entries are never edited.",
        })


from refunds import ledger_admin  # noqa: E402, F401  (store-credit accounts and gift cards)
