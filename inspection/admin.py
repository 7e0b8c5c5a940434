"""Inspections are recorded at the inspection station (through the service) and shown here."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from inspection import models, selectors
from rma.list_admin import ListedAdmin


class InspectionPhotoInline(admin.TabularInline):
    model = models.InspectionPhoto
    extra = 0
    can_delete = False
    readonly_fields = ["image", "uploaded_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Inspection)
class InspectionAdmin(ListedAdmin, ReadOnlyAdmin):
    list_spec = selectors.INSPECTIONS_LIST
    search_help_text = "RAN, or the start of a SKU, serial number found or RAN"
    list_display = ["item", "grade", "matches_request", "missing", "defect_category", "inspector", "inspected_at"]
    list_filter = ["grade", "missing", "matches_request", "defect_category", "item__return_request__client"]
    inlines = [InspectionPhotoInline]
