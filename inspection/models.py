"""Inspection: what the inspector found for each returned unit."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Grade(models.TextChoices):
    A = "A", "A – like new"
    B = "B", "B – good"
    C = "C", "C – fair"
    D = "D", "D – poor"
    F = "F", "F – unusable"


class DefectCategory(models.TextChoices):
    NONE = "", "No defect"
    COSMETIC = "cosmetic"  # scratches, dents, marks
    FUNCTIONAL = "functional"  # does not work as it should
    MISSING_PARTS = "missing_parts", "Missing parts"
    WATER_DAMAGE = "water_damage", "Water damage"
    WORN = "worn"  # used beyond trying on
    SOILED = "soiled"
    COUNTERFEIT = "counterfeit"  # not the product that was sold
    OTHER = "other"


class Inspection(models.Model):
    """One per returned unit. A mismatch or a missing unit is a fraud signal and owes no refund."""

    item = models.OneToOneField("rma.ReturnItem", on_delete=models.PROTECT, related_name="inspection")
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    accessories_complete = models.BooleanField()
    original_packaging = models.BooleanField()
    matches_request = models.BooleanField(help_text="The right SKU and serial number.")
    missing = models.BooleanField(default=False, help_text="The unit was not in the parcel.")
    serial_number_found = models.CharField(max_length=100, blank=True)
    defect_category = models.CharField(max_length=20, choices=DefectCategory.choices, blank=True)
    notes = models.TextField(blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField()
    seconds_taken = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_at"]
        permissions = [("record_inspection", "Record inspections")]
        constraints = [
            # A unit in the parcel is graded; a missing one has nothing to grade.
            models.CheckConstraint(condition=Q(missing=True) | ~Q(grade=""), name="inspection_graded_unless_missing"),
        ]
        indexes = [models.Index(fields=["inspected_at", "id"], name="inspection_listed_idx")]

    def __str__(self) -> str:
        return f"Inspection of {self.item}"

    @property
    def owes_refund(self) -> bool:
        return self.matches_request and not self.missing


def photo_path(photo: "InspectionPhoto", filename: str) -> str:
    return f"inspections/{photo.inspection.item.return_request_id}/{filename}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.image.name
