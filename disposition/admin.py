from django.contrib import admin

from disposition import models


@admin.register(models.DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    list_display = ["client", "position", "name", "forced_action", "allowed_actions", "is_active"]
    list_filter = ["client", "is_active"]
    list_select_related = ["client"]


@admin.register(models.Disposition)
class DispositionAdmin(admin.ModelAdmin):
    list_display = ["item", "recommended_action", "action", "expected_recovery_value", "decided_by", "decided_at"]
    list_filter = ["action"]
    list_select_related = ["item__return_request", "item__order_line", "decided_by"]


@admin.register(models.StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "warehouse", "sku", "quantity"]
    list_filter = ["client", "warehouse"]
    list_select_related = ["client", "warehouse"]
    search_fields = ["sku"]
