"""Reads of the disposition stage that reports and screens share."""

from django.db.models import Count, F, QuerySet, Sum

from disposition.models import Disposition, StockMovement
from rma.lists import WHOLE_LIST, ListQuery, ListSpec, Viewer, list_rows
from rma.models import ReturnRequest


def disposition_mix(*, returns: QuerySet[ReturnRequest]) -> list[dict]:
    """Per confirmed action and currency: units of `returns` and their expected recovery value."""
    return list(
        Disposition.objects.filter(item__return_request__in=returns).order_by()
        .values("action", currency=F("item__order_line__order__currency"))
        .annotate(units=Count("id"), recovery_value=Sum("expected_recovery_value"))
    )


DISPOSITIONS_LIST = ListSpec(
    rows=lambda: Disposition.objects.select_related("item__return_request", "item__order_line__order", "decided_by"),
    client_path="item__return_request__client",
    filter_fields=frozenset({"action", "item__return_request__client"}),
    search_fields=("item__order_line__sku",),
    ran_path="item__return_request__ran",
    ordering=("-decided_at", "-id"),
)

STOCK_MOVEMENTS_LIST = ListSpec(
    rows=lambda: StockMovement.objects.select_related("client", "warehouse", "actor"),
    client_path="client",
    filter_fields=frozenset({"client", "warehouse"}),
    search_fields=("sku",),
    ordering=("-at", "-id"),
)


def dispositions_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[Disposition]:
    """Every confirmed disposition, newest first, as `viewer` may see them."""
    return list_rows(DISPOSITIONS_LIST, viewer=viewer, query=query)


def stock_movements_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[StockMovement]:
    """Movements of the clients' stock, newest first, as `viewer` may see them."""
    return list_rows(STOCK_MOVEMENTS_LIST, viewer=viewer, query=query)
