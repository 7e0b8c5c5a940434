"""Finance's screens of our ledgers: store-credit accounts with balances, and gift cards with their entries."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from core.admin import ReadOnlyAdmin
from core.money import format_money
from refunds import ledgers
from refunds.ledger_models import GiftCard, GiftCardEntry
from refunds.models import StoreCreditAccount
from rma.models import Client


class AccountsForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"), required=False, empty_label="All clients")
    currency = forms.RegexField(regex=r"^[A-Za-z]{3}$", required=False, max_length=3,
                                widget=forms.TextInput(attrs={"size": 4, "placeholder": "EUR"}),
                                error_messages={"invalid": "Give the currency as its three-letter code, e.g. EUR."})


@admin.register(StoreCreditAccount)
class StoreCreditAccountAdmin(ReadOnlyAdmin):
    """Every customer's store-credit balance per currency; each row opens the entries of that account."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = AccountsForm(request.GET or None)
        accounts = []
        if not form.is_bound or form.is_valid():
            filters = form.cleaned_data if form.is_bound else {}
            accounts = ledgers.store_credit_accounts(
                client=filters.get("client"), currency=(filters.get("currency") or "").upper()
            )
        ledger = reverse("admin:refunds_storecreditentry_changelist")
        rows = [
            (account, ledger + "?" + urlencode({"customer__id__exact": account.customer_id,
                                                "currency": account.currency}))
            for account in accounts
        ]
        return TemplateResponse(request, "admin/refunds/store_credit_accounts.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Store-credit accounts",
            "form": form, "rows": rows,
        })


class GiftCardEntryInline(admin.TabularInline):
    model = GiftCardEntry
    fields = ["at", "kind", "amount_column", "reference", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="amount")
    def amount_column(self, entry: GiftCardEntry) -> str:
        return format_money(entry.amount, entry.card.currency)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyAdmin):
    """Gift cards by their last four symbols (the full code was only ever emailed to the customer)."""

    list_display = ["code_column", "client", "customer", "balance_column", "refund", "created_at"]
    list_filter = ["client", "currency"]
    search_fields = ["customer__email", "last_four"]
    fields = ["code_column", "client", "customer", "currency", "balance_column", "refund", "created_at"]
    readonly_fields = fields
    inlines = [GiftCardEntryInline]

    def get_queryset(self, request):
        return ledgers.gift_cards_with_balance()

    @admin.display(description="code")
    def code_column(self, card: GiftCard) -> str:
        return card.masked_code

    @admin.display(description="balance", ordering="balance")
    def balance_column(self, card: GiftCard) -> str:
        return format_money(card.balance, card.currency)
