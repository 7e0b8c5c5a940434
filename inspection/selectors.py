"""Reads of the inspection stage that later stages and screens share."""

import datetime as dt

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek

from inspection.models import Inspection
from rma.lists import WHOLE_LIST, ListQuery, ListSpec, Viewer, list_rows
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


def defects_per_week(*, returns: QuerySet[ReturnRequest], tzinfo: dt.tzinfo) -> dict[tuple[dt.date, str], int]:
    """(Monday of the week inspected, in `tzinfo`; defect category): units of `returns` found with that defect."""
    rows = (
        Inspection.objects.filter(item__return_request__in=returns).exclude(defect_category="").order_by()
        .annotate(week=TruncWeek("inspected_at", tzinfo=tzinfo))
        .values("week", "defect_category")
        .annotate(units=Count("id"))
    )
    return {(row["week"].date(), row["defect_category"]): row["units"] for row in rows}


INSPECTIONS_LIST = ListSpec(
    rows=lambda: Inspection.objects.select_related("item__return_request", "item__order_line", "inspector"),
    client_path="item__return_request__client",
    filter_fields=frozenset({"grade", "missing", "matches_request", "defect_category", "item__return_request__client"}),
    search_fields=("item__order_line__sku", "serial_number_found"),
    ran_path="item__return_request__ran",
    ordering=("-inspected_at", "-id"),
)


def inspections_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[Inspection]:
    """Every unit's inspection, newest first, as `viewer` may see them."""
    return list_rows(INSPECTIONS_LIST, viewer=viewer, query=query)
