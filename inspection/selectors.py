"""Reads of the inspection stage that later stages and screens share."""

from inspection.models import Inspection
from rma.models import ReturnItem, ReturnRequest


def inspections_by_unit(*, rma: ReturnRequest) -> dict[int, Inspection]:
    """The return's inspections keyed by ReturnItem id; uninspected units are absent."""
    rows = Inspection.objects.filter(item__return_request=rma)
    return {inspection.item_id: inspection for inspection in rows}


def present_unit_ids(*, rma: ReturnRequest) -> set[int]:
    """Units inspected and found in the parcel: the ones that need a disposition."""
    rows = Inspection.objects.filter(item__return_request=rma, missing=False)
    return set(rows.values_list("item_id", flat=True))


def inspection_of(*, item: ReturnItem) -> Inspection | None:
    return Inspection.objects.filter(item=item).first()
