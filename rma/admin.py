"""Admin of the rma stage's reference data: clients, warehouses, policies, customers, orders, scans.

The return itself is shown by backoffice.admin, which composes every stage.
"""

from django.contrib import admin, messages

from core.errors import DomainError
from reports.admin import SpreadsheetExportMixin
from reports.resources import DockScanResource, UnitResource
from rma import models, services
from rma import ran as ran_codes

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
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "client", "customer", "ordered_at", "delivered_at", "payment_method", "currency"]
    list_filter = ["client", "payment_method"]
    list_select_related = ["client", "customer"]
    search_fields = ["number", "customer__email"]
    autocomplete_fields = ["customer"]
    inlines = [OrderLineInline]


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


@admin.register(models.ReturnItem)
class ReturnItemAdmin(SpreadsheetExportMixin, ReadOnlyAdmin):
    """Every returned unit across the returns; a unit changes only through its return's services."""

    list_display = ["return_request", "unit_number", "client_column", "sku_column", "reason", "serial_number",
                    "state_column"]
    list_display_links = ["unit_number"]
    list_filter = ["return_request__client", "reason", "return_request__state"]
    list_select_related = ["return_request__client", "order_line"]
    search_fields = ["return_request__ran", "order_line__sku", "serial_number"]
    search_help_text = "RAN, SKU or serial number"
    resource_classes = [UnitResource]

    def get_search_results(self, request, queryset, search_term):
        # A scanned or typed RAN finds its units however it was written, as on the returns list.
        ran = ran_codes.parse_ran(search_term)
        if ran:
            return queryset.filter(return_request__ran=ran), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="client", ordering="return_request__client__name")
    def client_column(self, unit: models.ReturnItem) -> str:
        return unit.return_request.client.name

    @admin.display(description="SKU", ordering="order_line__sku")
    def sku_column(self, unit: models.ReturnItem) -> str:
        return unit.order_line.sku

    @admin.display(description="state", ordering="return_request__state")
    def state_column(self, unit: models.ReturnItem) -> str:
        return unit.return_request.get_state_display()


@admin.register(models.ReceivingScan)
class ReceivingScanAdmin(SpreadsheetExportMixin, ReadOnlyAdmin):
    list_display = ["scanned_at", "code", "result", "return_request", "actor"]
    list_filter = ["result"]
    list_select_related = ["return_request", "actor"]
    search_fields = ["code", "normalized_code"]
    resource_classes = [DockScanResource]


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
