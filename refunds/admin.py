from django.contrib import admin

from refunds import models


class RefundApprovalInline(admin.TabularInline):
    model = models.RefundApproval
    extra = 0


@admin.register(models.Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["return_request", "amount", "currency", "method", "status", "proposed_at"]
    list_filter = ["status", "method"]
    list_select_related = ["return_request"]
    inlines = [RefundApprovalInline]


@admin.register(models.StoreCreditEntry)
class StoreCreditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "customer", "amount", "currency", "kind"]
    list_filter = ["kind", "currency"]
    list_select_related = ["customer"]
