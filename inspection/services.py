"""Inspection: grading each returned unit; the return moves on when its last unit is inspected."""

from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import DomainError, InvalidInput, TransitionRefused
from core.uploads import checked_photo
from inspection.models import DefectCategory, Grade, Inspection, InspectionPhoto
from rma import later_stages
from rma.models import ReturnEventType, ReturnItem, ReturnState


def _validated_grade(*, grade: str, missing: bool) -> str:
    grade = (grade or "").strip().upper()
    if missing:
        return ""  # nothing in the parcel to grade
    if grade not in Grade.values:
        raise InvalidInput("Choose a grade: A, B, C, D or F.")
    return grade


@transaction.atomic
def record_inspection(
    *,
    item: ReturnItem,
    actor: Actor,
    grade: str,
    accessories_complete: bool,
    original_packaging: bool,
    matches_request: bool,
    missing: bool = False,
    defect_category: str = "",
    notes: str = "",
    photos: Iterable[File] = (),
    serial_number_found: str = "",
    seconds_taken: int | None = None,
) -> Inspection:
    """Record what the inspector found for one unit; the last unit moves the return to `inspected`."""
    actor = require(actor, "inspection.record_inspection", action="record inspections", on=item)
    grade = _validated_grade(grade=grade, missing=missing)
    defect_category = defect_category or ""
    if defect_category not in DefectCategory.values:
        raise InvalidInput(f"'{defect_category}' is not a defect category.")
    if seconds_taken is not None and seconds_taken < 0:
        raise InvalidInput("The time taken cannot be negative.")
    photos = [checked_photo(photo) for photo in photos]

    rma = later_stages.lock_return(rma=item.return_request)
    if rma.state != ReturnState.RECEIVED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; only received returns are inspected."
        )
    if Inspection.objects.filter(item=item).exists():
        raise DomainError(f"Unit {item.unit_number} of {rma} is already inspected.", code="already_inspected")

    inspection = Inspection.objects.create(
        item=item, grade=grade, accessories_complete=accessories_complete and not missing,
        original_packaging=original_packaging and not missing,
        # A unit that is not there cannot match what was requested.
        matches_request=matches_request and not missing, missing=missing,
        serial_number_found=(serial_number_found or "").strip(), defect_category=defect_category,
        notes=(notes or "").strip(), inspector=user_of(actor), inspected_at=timezone.now(), seconds_taken=seconds_taken,
    )
    for photo in photos:
        InspectionPhoto.objects.create(inspection=inspection, image=photo)
    later_stages.record_event(
        rma=rma, action=ReturnEventType.INSPECT_UNIT, actor=actor, note=inspection.notes,
        details={
            "unit": item.unit_number, "grade": grade, "missing": missing,
            "matches_request": inspection.matches_request, "photos": len(photos),
        },
    )
    if not rma.items.filter(inspection__isnull=True).exists():
        later_stages.mark_inspected(rma=rma, actor=actor)
    return Inspection.objects.select_related("item").get(pk=inspection.pk)
