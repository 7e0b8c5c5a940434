"""Reads that compose every stage: the dashboard and the whole-return page."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from refunds.models import Refund, RefundApproval, RefundStatus
from rma import selectors as rma_selectors
from rma.models import Client, ReturnItem, ReturnRequest, ReturnState
from rma.states import WAITING_FOR


@dataclass(frozen=True)
class StageFigure:
    state: str
    label: str
    waiting_for: str
    returns: int
    units: int
    overdue: int


@dataclass(frozen=True)
class Dashboard:
    stages: list[StageFigure]
    ended: dict[str, int]
    refunds_awaiting_approval: int
    refund_totals_awaiting: list[tuple[str, Decimal]]
    overdue_returns: list[ReturnRequest]


def dashboard(*, now: dt.datetime | None = None, overdue_limit: int = 15) -> Dashboard:
    now = now or timezone.now()
    clients = list(Client.objects.all())
    per_state = {row["state"]: row["n"] for row in ReturnRequest.objects.values("state").annotate(n=Count("id"))}
    units = {
        row["return_request__state"]: row["n"]
        for row in ReturnItem.objects.values("return_request__state").annotate(n=Count("id"))
    }
    overdue = ReturnRequest.objects.filter(rma_selectors.overdue_filter(clients=clients, now=now))
    overdue_per_state = {row["state"]: row["n"] for row in overdue.values("state").annotate(n=Count("id"))}
    labels = dict(ReturnState.choices)
    stages = [
        StageFigure(state, labels[state], waiting_for, per_state.get(state, 0), units.get(state, 0),
                    overdue_per_state.get(state, 0))
        for state, waiting_for in WAITING_FOR.items()
    ]
    waiting = Refund.objects.filter(status=RefundStatus.PENDING_APPROVAL)
    totals = waiting.values("currency").annotate(total=Sum("amount"), n=Count("id")).order_by("currency")
    return Dashboard(
        stages=stages,
        ended={labels[s]: per_state.get(s, 0) for s in ReturnState.values if s not in WAITING_FOR},
        refunds_awaiting_approval=sum(row["n"] for row in totals),
        refund_totals_awaiting=[(row["currency"], row["total"]) for row in totals],
        overdue_returns=list(
            overdue.select_related("client", "customer").order_by("state_entered_at")[:overdue_limit]
        ),
    )


def return_page_units(*, rma: ReturnRequest) -> QuerySet[ReturnItem]:
    """Every unit of a return with its inspection, photos and disposition, in a fixed number of queries."""
    return (
        rma.items.select_related("order_line", "inspection__inspector", "disposition__decided_by")
        .prefetch_related("inspection__photos")
        .order_by("unit_number")
    )


def return_page_refunds(*, rma: ReturnRequest) -> QuerySet[Refund]:
    approvals = Prefetch("approvals", queryset=RefundApproval.objects.select_related("approver"))
    return rma.refunds.select_related("proposed_by", "issued_by", "denied_by").prefetch_related(approvals)
