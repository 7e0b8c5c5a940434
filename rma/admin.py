"""Admin of the rma stage's reference data: clients, warehouses, policies, customers, orders, scans.

The return itself is shown by backoffice.admin, which composes every stage.
"""

from collections import Counter
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportMixin
from import_export.formats import base_formats
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import Result

from core.errors import DomainError
from rma import models, services
from rma.resources import CarrierEventResource, OrderImportResource, XLSXFormulasAsText

POLICY_TERMS = [
    "window_days", "window_starts_from", "final_sale_skus", "final_sale_categories", "accepted_reasons",
    "restocking_fee_percent", "restocking_fee_reasons", "return_shipping_fee", "customer_pays_shipping_reasons",
    "auto_authorize", "ran_validity_days", "refund_methods", "store_credit_bonus_percent",
    "max_returns_per_customer", "return_limit_period_days", "receipt_required_above", "packing_instructions",
]


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country"]
    search_fields = ["code", "name", "city"]


class ClientAccountInline(admin.TabularInline):
    model = models.ClientAccount
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "default_warehouse", "contact_email", "is_active"]
    list_filter = ["is_active", "default_warehouse"]
    list_select_related = ["default_warehouse"]
    search_fields = ["code", "name", "contact_email"]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active", "time_zone", "default_warehouse"]}),
        ("Contact", {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        ("Integration", {"fields": ["webhook_url", "webhook_secret", "webhook_secret_previous"],
                         "classes": ["collapse"]}),
        ("Target hours per stage", {"fields": [
            "target_hours_requested", "target_hours_authorized", "target_hours_in_transit",
            "target_hours_received", "target_hours_inspected", "target_hours_dispositioned",
        ]}),
    ]
    inlines = [ClientAccountInline]


@admin.register(models.ClientAccount)
class ClientAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "client"]
    list_select_related = ["user", "client"]
    autocomplete_fields = ["user"]


@admin.register(models.ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    """Saving a policy publishes a new version; returns keep the version they were requested under."""

    list_display = ["client", "version", "window_days", "window_starts_from", "auto_authorize",
                    "restocking_fee_percent", "created_by", "created_at"]
    list_filter = ["client"]
    list_select_related = ["client", "created_by"]
    fields = ["client", *POLICY_TERMS]

    def get_readonly_fields(self, request, obj=None):
        return ["client"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("rma.add_returnpolicy")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        terms = {name: form.cleaned_data[name] for name in POLICY_TERMS}
        try:
            published = services.publish_policy_version(client=obj.client, actor=request.user, **terms)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.version = published.pk, published.version
        self.message_user(request, f"Published {published}; existing returns keep their version.", messages.INFO)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["title"] = f"{obj}: edit to publish version {obj.version + 1}" if obj else "New return policy"
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "client", "phone", "city"]
    list_filter = ["client"]
    list_select_related = ["client"]
    search_fields = ["email", "name", "phone"]


class OrderLineInline(admin.TabularInline):
    model = models.OrderLine
    extra = 0


@admin.register(models.Order)
class OrderAdmin(ImportMixin, admin.ModelAdmin):
    """Orders, and their import from a client's CSV or XLSX file: a preview first, then all or nothing."""

    list_display = ["number", "client", "customer", "ordered_at", "delivered_at", "payment_method", "currency"]
    list_filter = ["client", "payment_method"]
    list_select_related = ["client", "customer"]
    search_fields = ["number", "customer__email"]
    autocomplete_fields = ["customer"]
    inlines = [OrderLineInline]
    resource_classes = [OrderImportResource]
    import_formats = [base_formats.CSV, XLSXFormulasAsText]
    import_template_name = "admin/rma/order/import.html"

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("reports.import_orders")

    def process_result(self, result, request):
        # The preview passed, but the file is checked again on confirming: a return may have claimed a line since.
        if result.report.problems:
            problems = "; ".join(str(problem) for problem in result.report.problems)
            self.message_user(request, f"Nothing was imported: {problems}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:rma_order_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request) -> None:
        self.message_user(request, f"Imported {result.report.summary}.", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs written by services: shown, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ReturnEvent)
class ReturnEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "return_request", "action", "from_state", "to_state", "actor", "channel"]
    list_filter = ["action", "channel"]
    list_select_related = ["return_request", "actor"]
    search_fields = ["return_request__ran"]


@admin.register(models.ReceivingScan)
class ReceivingScanAdmin(ReadOnlyAdmin):
    list_display = ["scanned_at", "code", "result", "return_request", "actor"]
    list_filter = ["result"]
    list_select_related = ["return_request", "actor"]
    search_fields = ["code", "normalized_code"]


@admin.register(models.UnexpectedParcel)
class UnexpectedParcelAdmin(admin.ModelAdmin):
    list_display = ["code", "status", "created_at", "return_request"]
    list_filter = ["status"]
    list_select_related = ["return_request"]
    readonly_fields = ["scan", "code", "status", "return_request", "resolved_by", "resolved_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def import_summary(result: Result) -> list[tuple[str, int]]:
    """How many rows of an import came to each outcome, and how many had been imported before."""
    counts = Counter(
        "already imported" if row.is_skip() else row.instance.get_outcome_display().lower()
        for row in result.valid_rows()
    )
    return sorted(counts.items())


@admin.register(models.CarrierEvent)
class CarrierEventAdmin(ImportMixin, ReadOnlyAdmin):
    """Every carrier scan imported and what it did. Import reads a carrier's CSV or XLSX file.

    Its preview runs each row through services.record_carrier_event and rolls everything back;
    confirming runs them again for real, and applies nothing if any row cannot be recorded.
    """

    list_display = [
        "occurred_at", "tracking_number", "carrier", "event", "outcome", "return_request", "message", "imported_by",
    ]
    list_filter = ["outcome", "carrier", "occurred_at", "imported_at"]
    list_select_related = ["return_request", "imported_by"]
    search_fields = ["tracking_number"]
    search_help_text = "Tracking number"
    resource_classes = [CarrierEventResource]
    import_formats = [CSV, XLSX]
    import_template_name = "admin/rma/carrierevent/import.html"
    # Each event already says who imported it and when, and its return's trail what it did.
    skip_admin_log = True

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("rma.import_tracking")

    def get_import_data_kwargs(self, **kwargs) -> dict:
        # One row that cannot be recorded and nothing is applied, at the confirmation too.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = response.context_data.get("result")
        if result is not None and not result.has_errors() and not result.has_validation_errors():
            response.context_data["summary"] = import_summary(result)
        return response

    def process_result(self, result: Result, request) -> HttpResponseRedirect:
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request, "Nothing was imported: some rows could not be recorded. Upload the file again to see which.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:rma_carrierevent_import"))
        summary = ", ".join(f"{count} {outcome}" for outcome, count in import_summary(result))
        self.message_user(request, f"Carrier events imported: {summary}.", messages.SUCCESS)
        events = [row.instance for row in result.valid_rows() if not row.is_skip()]
        for event in events:
            if event.outcome == models.CarrierEventOutcome.REFUSED:
                self.message_user(request, f"Refused, {event.tracking_number}: {event.message}", messages.WARNING)
        unknown = [event for event in events if event.outcome == models.CarrierEventOutcome.UNKNOWN_TRACKING]
        changelist = reverse("admin:rma_carrierevent_changelist")
        if not unknown:
            return HttpResponseRedirect(changelist)
        numbers = ", ".join(sorted({event.tracking_number for event in unknown}))
        self.message_user(
            request, f"No return has these tracking numbers, so nothing was changed for them: {numbers}. "
            "Set them on their returns, then import the file again to apply their events.", messages.WARNING,
        )
        query = {"outcome__exact": models.CarrierEventOutcome.UNKNOWN_TRACKING,
                 "imported_at__gte": min(event.imported_at for event in unknown).isoformat()}
        return HttpResponseRedirect(f"{changelist}?{urlencode(query)}")
