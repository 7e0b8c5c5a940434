"""Reads that compose every stage: the dashboard and the whole-return page."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils import timezone

from backoffice.models import OPERATOR_GROUPS, OperatorAccount
from core import keyset
from refunds.models import Refund, RefundApproval, RefundStatus
from rma import selectors as rma_selectors
from rma.lists import WHOLE_LIST, ListQuery, ListSpec, Viewer, list_rows
from rma.models import Client, ReturnEvent, ReturnItem, ReturnRequest, ReturnState, Warehouse
from rma.states import ROUTED, WAITING_FOR

# The stages a site's figures show: a return has a warehouse from its authorization on.
SITE_STAGES = {state: waiting_for for state, waiting_for in WAITING_FOR.items() if state in ROUTED}
# (state, warehouse id): how many; the warehouse is None for a return not routed yet.
Tally = dict[tuple[str, int | None], int]


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
    site: Warehouse | None  # the viewer's own site, whose figures come first; None: the whole facility only
    site_stages: list[StageFigure]
    stages: list[StageFigure]  # the whole facility
    ended: dict[str, int]
    refunds_awaiting_approval: int | None  # None: the viewer does not see refunds
    customers_to_tell: int  # returns closed without refund whose customer nobody has told yet
    refund_totals_awaiting: list[tuple[str, Decimal]]
    overdue_returns: list[ReturnRequest]


def _tally(rows, *, state: str, warehouse: str) -> Tally:
    return {(row[state], row[warehouse]): row["n"] for row in rows.annotate(n=Count("id")).order_by()}


def _count(tally: Tally, state: str, site: Warehouse | None) -> int:
    """How many in `state` at `site`, or across the whole facility when `site` is None."""
    return sum(n for (in_state, at), n in tally.items() if in_state == state and (site is None or at == site.pk))


def _stage_figures(
    *, stages: dict[str, str], returns: Tally, units: Tally, overdue: Tally, site: Warehouse | None
) -> list[StageFigure]:
    labels = dict(ReturnState.choices)
    return [
        StageFigure(state, labels[state], waiting_for, _count(returns, state, site), _count(units, state, site),
                    _count(overdue, state, site))
        for state, waiting_for in stages.items()
    ]


def dashboard(
    *, now: dt.datetime | None = None, overdue_limit: int = 15, site: Warehouse | None = None, refunds: bool = True
) -> Dashboard:
    """Where the floor stands: `site`'s stages first when the viewer works at one, then the whole facility's.

    The refunds waiting approval, and their totals, only when `refunds` (a viewer who may see refunds).

    Each count is one query grouped by state and warehouse, so a site costs no query of its own. Units
    are counted for the stages only (the live returns, found by the state index), and the overdue returns
    through the index on (state, state_entered_at): neither reads the ended returns, the bulk of the table.
    Screens read it through `dashboard_for_viewer`, which keeps it a few seconds.
    """
    now = now or timezone.now()
    clients = list(Client.objects.all())
    returns = _tally(ReturnRequest.objects.values("state", "warehouse"), state="state", warehouse="warehouse")
    units = _tally(
        ReturnItem.objects.filter(return_request__state__in=list(WAITING_FOR))
        .values("return_request__state", "return_request__warehouse"),
        state="return_request__state", warehouse="return_request__warehouse",
    )
    overdue = ReturnRequest.objects.filter(rma_selectors.overdue_filter(clients=clients, now=now))
    overdue_tally = _tally(overdue.values("state", "warehouse"), state="state", warehouse="warehouse")
    figures = {"returns": returns, "units": units, "overdue": overdue_tally}
    waiting = Refund.objects.filter(status=RefundStatus.PENDING_APPROVAL)
    totals = list(waiting.values("currency").annotate(total=Sum("amount"), n=Count("id")).order_by("currency")
                  if refunds else [])
    labels = dict(ReturnState.choices)
    return Dashboard(
        site=site,
        site_stages=_stage_figures(stages=SITE_STAGES, site=site, **figures) if site else [],
        stages=_stage_figures(stages=WAITING_FOR, site=None, **figures),
        ended={labels[s]: _count(returns, s, None) for s in ReturnState.values if s not in WAITING_FOR},
        refunds_awaiting_approval=sum(row["n"] for row in totals) if refunds else None,
        customers_to_tell=ReturnRequest.objects.filter(rma_selectors.customer_not_told()).count(),
        refund_totals_awaiting=[(row["currency"], row["total"]) for row in totals],
        overdue_returns=list(
            overdue.select_related("client", "customer", "warehouse").order_by("state_entered_at")[:overdue_limit]
        ),
    )


def dashboard_for_viewer(*, site: Warehouse | None, refunds: bool) -> Dashboard:
    """The dashboard as a viewer at `site` who may (or may not) see `refunds` sees it, kept in the cache
    for settings.DASHBOARD_CACHE_SECONDS.

    Kept, not counted per view nor kept up to date by the services: its figures are whole-table counts
    that cost most of a second at a million returns, while a floor glancing at where it stands is served
    as well by figures up to half a minute old. The key is what tells viewers' dashboards apart (their site,
    whether they see refunds), so no viewer is shown figures another may see and they may not.
    """
    key = f"backoffice:dashboard:site={site.pk if site else '-'}:refunds={int(refunds)}"
    return cache.get_or_set(key, lambda: dashboard(site=site, refunds=refunds), settings.DASHBOARD_CACHE_SECONDS)


def return_page_units(*, rma: ReturnRequest) -> QuerySet[ReturnItem]:
    """Every unit of a return with its inspection, photos and disposition, in a fixed number of queries."""
    return (
        rma.items.select_related("order_line", "inspection__inspector", "disposition__decided_by")
        .prefetch_related("inspection__photos")
        .order_by("unit_number")
    )


# The events a return's page shows: its latest; the older ones page back from there.
EVENTS_PER_PAGE = 50


@dataclass(frozen=True)
class TimelinePage:
    events: list[ReturnEvent]  # oldest first, as a timeline reads
    older_than: ReturnEvent | None  # the oldest shown, when older events remain: the next page ends before it


def return_page_timeline(
    *, rma: ReturnRequest, before: ReturnEvent | None = None, size: int = EVENTS_PER_PAGE
) -> TimelinePage:
    """A return's latest `size` events, or the `size` before the event `before`: one query at any depth,
    read along the (return, time) index by keyset (core.keyset), however many events the return has."""
    newest_first = rma.events.select_related("actor", "customer").order_by("-at", "-id")
    if before is not None:
        newest_first = keyset.after(newest_first, [before.at, before.pk], keyset.ordering_terms(newest_first))
    fetched = list(newest_first[: size + 1])
    shown = fetched[:size]
    return TimelinePage(events=shown[::-1], older_than=shown[-1] if len(fetched) > size else None)


def timeline_event(*, rma: ReturnRequest, event_id: str) -> ReturnEvent | None:
    """The event of this return a timeline page starts before; None for any other value."""
    if not event_id.isdigit() or len(event_id) > 18:
        return None
    return rma.events.filter(pk=int(event_id)).first()


def return_page_refunds(*, rma: ReturnRequest) -> QuerySet[Refund]:
    approvals = Prefetch("approvals", queryset=RefundApproval.objects.select_related("approver"))
    return rma.refunds.select_related("proposed_by", "issued_by", "denied_by").prefetch_related(approvals)


# -- the returns list ----------------------------------------------------------------------------------


def _listed_returns() -> QuerySet[ReturnRequest]:
    """Returns with what the list shows of each: its units and the refund proposed (not denied)."""
    units = ReturnItem.objects.filter(return_request=OuterRef("pk")).values("return_request")
    # The return's own refund: a correction paid on top of it shows on the return's page.
    refund = (Refund.objects.filter(return_request=OuterRef("pk"), is_correction=False)
              .exclude(status=RefundStatus.DENIED))
    return (
        ReturnRequest.objects.select_related("client", "warehouse", "order", "customer")
        .annotate(
            units=Subquery(units.annotate(n=Count("id")).values("n"), output_field=IntegerField()),
            refund_amount=Subquery(refund.order_by("-proposed_at").values("amount")[:1], output_field=DecimalField()),
        )
    )


def with_reason(returns: QuerySet[ReturnRequest], reason: str | None) -> QuerySet[ReturnRequest]:
    """Returns with at least one unit sent back for `reason`; all of them when no reason is asked."""
    if not reason:
        return returns
    return returns.filter(pk__in=ReturnItem.objects.filter(reason=reason).values("return_request"))


# The value of the returns list's `to_tell` filter that shows customer service's queue.
TO_TELL = "yes"


def to_tell_customer(returns: QuerySet[ReturnRequest], value: str | None) -> QuerySet[ReturnRequest]:
    """With `to_tell=yes`, the returns closed without refund whose customer still has to be told why;
    all returns otherwise."""
    if value != TO_TELL:
        return returns
    return returns.filter(rma_selectors.customer_not_told())


RETURNS_LIST = ListSpec(
    rows=_listed_returns,
    client_path="client",
    customer_path="customer",
    filter_fields=frozenset({"client", "warehouse", "state", "channel", "requested_at"}),
    search_fields=("order__number", "items__serial_number"),
    ran_path="ran",
    email_path="customer__email",
    tracking_path="tracking_number",
    name_path="customer__name",
    ordering=("-requested_at",),
    named_filters={"reason": with_reason, "to_tell": to_tell_customer},
)


def returns_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[ReturnRequest]:
    """Returns, newest first, with their units and proposed refund, as `viewer` may see them."""
    return list_rows(RETURNS_LIST, viewer=viewer, query=query)


def operator_accounts() -> QuerySet:
    """The staff a manager may change: no superuser, no group beyond the operator groups, no permission
    of their own, no client account (deactivated ones too, to be reactivated)."""
    return (
        OperatorAccount.objects.filter(is_staff=True, is_superuser=False, client_account__isnull=True)
        .exclude(groups__in=Group.objects.exclude(name__in=OPERATOR_GROUPS))
        .exclude(user_permissions__isnull=False)
        .order_by("username")
    )


def is_operator(user) -> bool:
    return operator_accounts().filter(pk=user.pk).exists()
