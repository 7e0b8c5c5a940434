"""Reads of the disposition stage that reports and screens share."""

from django.db.models import Count, F, QuerySet, Sum

from disposition.models import Disposition
from rma.models import ReturnRequest


def disposition_mix(*, returns: QuerySet[ReturnRequest]) -> list[dict]:
    """Per confirmed action and currency: units of `returns` and their expected recovery value."""
    return list(
        Disposition.objects.filter(item__return_request__in=returns).order_by()
        .values("action", currency=F("item__order_line__order__currency"))
        .annotate(units=Count("id"), recovery_value=Sum("expected_recovery_value"))
    )
