from django.contrib import admin

from inspection import models


class InspectionPhotoInline(admin.TabularInline):
    model = models.InspectionPhoto
    extra = 0


@admin.register(models.Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["item", "grade", "matches_request", "missing", "defect_category", "inspector", "inspected_at"]
    list_filter = ["grade", "missing", "matches_request", "defect_category"]
    list_select_related = ["item__return_request", "item__order_line", "inspector"]
    inlines = [InspectionPhotoInline]
