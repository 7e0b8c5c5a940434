from django.contrib import admin

from rma import models


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country"]
    search_fields = ["code", "name"]


@admin.register(models.Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "default_warehouse", "is_active"]
    list_select_related = ["default_warehouse"]
    search_fields = ["code", "name"]


@admin.register(models.ClientAccount)
class ClientAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "client"]
    list_select_related = ["user", "client"]


@admin.register(models.ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ["client", "version", "window_days", "window_starts_from", "auto_authorize", "created_at"]
    list_filter = ["client"]
    list_select_related = ["client"]


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "client"]
    list_filter = ["client"]
    list_select_related = ["client"]
    search_fields = ["email", "name"]


class OrderLineInline(admin.TabularInline):
    model = models.OrderLine
    extra = 0


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "client", "customer", "ordered_at", "delivered_at", "payment_method", "currency"]
    list_filter = ["client", "payment_method"]
    list_select_related = ["client", "customer"]
    search_fields = ["number", "customer__email"]
    inlines = [OrderLineInline]


class ReturnItemInline(admin.TabularInline):
    model = models.ReturnItem
    extra = 0
    can_delete = False
    readonly_fields = ["unit_number", "order_line", "reason", "comment", "serial_number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReturnEventInline(admin.TabularInline):
    model = models.ReturnEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "from_state", "to_state", "actor", "channel", "note", "details"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "order", "customer", "state", "channel", "requested_at"]
    list_filter = ["state", "client", "channel"]
    list_select_related = ["client", "order", "customer"]
    search_fields = ["ran", "order__number", "customer__email", "tracking_number"]
    # The state moves only through services; the admin shows it.
    readonly_fields = ["state", "ran"]
    inlines = [ReturnItemInline, ReturnEventInline]


@admin.register(models.ReturnEvent)
class ReturnEventAdmin(admin.ModelAdmin):
    list_display = ["at", "return_request", "action", "from_state", "to_state", "actor", "channel"]
    list_filter = ["action", "channel"]
    list_select_related = ["return_request", "actor"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ReceivingScan)
class ReceivingScanAdmin(admin.ModelAdmin):
    list_display = ["scanned_at", "code", "result", "return_request", "actor"]
    list_filter = ["result"]
    list_select_related = ["return_request", "actor"]
    search_fields = ["code", "normalized_code"]


@admin.register(models.UnexpectedParcel)
class UnexpectedParcelAdmin(admin.ModelAdmin):
    list_display = ["code", "status", "created_at", "return_request"]
    list_filter = ["status"]
    list_select_related = ["return_request"]
