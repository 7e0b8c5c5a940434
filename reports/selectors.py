"""The figures of the reports page and of the monthly client report, composed from every stage's selectors.

A report covers the returns requested between two dates, both included, in the facility's time zone
(settings.TIME_ZONE), for one client or all. Every figure is aggregated in the database, in a fixed
number of queries whatever the number of returns, over the indexed date ranges of requests and orders.
The percentiles of the time in each stage too, on PostgreSQL (percentile_cont); on SQLite they are
computed here from the stage times fetched in one query (core.percentiles).

The figures are of the returns *requested* in the period, as those returns stand now (a return requested
last month and refunded today counts as refunded), so a past day's figures keep changing. The additive
figures of the units (counts, sums of money) are kept per client and day, recomputed when a return of the
day changes, and computed live for the days not kept fresh (reports.rollup); medians of days do not add up
to the median of a month, so the percentiles are always computed over the period's returns.

Also the export jobs a user may see.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from core.money import ZERO, quantize
from disposition.models import Action
from inspection.models import DefectCategory
from outbox.models import Message
from reports import rollup
from reports.models import ExportJob
from reports.rollup import UnitFigures
from rma import selectors as rma_selectors
from rma.models import Client, Reason, RefundMethod, ReturnState
from rma.states import WAITING_FOR

SKUS_ON_PAGE = 20
SKUS_IN_MONTHLY_REPORT = 10
DEFAULT_DAYS = 30

# Each stage's time runs from the stamp of entering it to the first of the next stamps that is set.
STAGE_SPANS = [
    ("Requested → authorized", "requested_at", ("authorized_at",)),
    ("Authorized → in transit or received", "authorized_at", ("in_transit_at", "received_at")),
    ("In transit → received", "in_transit_at", ("received_at",)),
    ("Received → inspected", "received_at", ("inspected_at",)),
    ("Inspected → dispositioned", "inspected_at", ("dispositioned_at",)),
    ("Dispositioned → refunded or closed", "dispositioned_at", ("refunded_at", "closed_at")),
]


def facility_zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class ReportScope:
    """Returns requested from `date_from` to `date_to` (both included, facility time), of `client` or all."""

    date_from: dt.date
    date_to: dt.date
    client: Client | None = None

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=facility_zone())

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period: midnight starting the day after `date_to`."""
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=facility_zone())


def facility_today() -> dt.date:
    return timezone.localdate(timezone=facility_zone())


def default_scope() -> ReportScope:
    """The last 30 days, today included."""
    today = facility_today()
    return ReportScope(date_from=today - dt.timedelta(days=DEFAULT_DAYS - 1), date_to=today)


def month_scope(*, client: Client, month: dt.date) -> ReportScope:
    """The calendar month holding `month`, for one client."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return ReportScope(date_from=first, date_to=following - dt.timedelta(days=1), client=client)


def previous_month() -> dt.date:
    return (facility_today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# -- the figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRate:
    """Returned units over units sold, of a client or of one of its SKUs."""

    client: Client
    returns: int
    units: int
    units_sold: int
    sku: str = ""
    description: str = ""

    @property
    def rate(self) -> float | None:
        return self.units / self.units_sold if self.units_sold else None


@dataclass(frozen=True)
class DefectWeeks:
    weeks: list[dt.date]  # Mondays, every week from the first to the last with a defect
    categories: list[str]  # those found, in DefectCategory's order
    units: dict[tuple[dt.date, str], int]


@dataclass(frozen=True)
class DispositionShare:
    action: str
    units: int
    recovery_value: dict[str, Decimal]  # currency: expected recovery value


@dataclass(frozen=True)
class RefundTotal:
    method: str
    currency: str
    refunds: int
    amount: Decimal
    bonus: Decimal


@dataclass(frozen=True)
class StageTime:
    label: str
    returns: int  # how many returns went through the stage
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class OverdueStage:
    state: str
    label: str
    waiting: int
    overdue: int


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    by_client: list[ReturnRate]
    by_sku: list[ReturnRate]
    reasons: list[tuple[str, int]]  # reason, units; most first
    defects: DefectWeeks
    dispositions: list[DispositionShare]
    refunds: list[RefundTotal]
    stage_times: list[StageTime]
    overdue: list[OverdueStage]
    median_hours_to_refund: float | None  # of the refunded returns: from the request to the refund

    @property
    def returns(self) -> int:
        return sum(row.returns for row in self.by_client)

    @property
    def units(self) -> int:
        return sum(row.units for row in self.by_client)

    @property
    def units_sold(self) -> int:
        return sum(row.units_sold for row in self.by_client)

    @property
    def rate(self) -> float | None:
        return self.units / self.units_sold if self.units_sold else None

    @property
    def recovery_value(self) -> dict[str, Decimal]:
        return _sum_per_currency((currency, value) for row in self.dispositions
                                 for currency, value in row.recovery_value.items())

    @property
    def refunded(self) -> dict[str, Decimal]:
        return _sum_per_currency((row.currency, row.amount) for row in self.refunds)


def _sum_per_currency(pairs) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for currency, value in pairs:
        totals[currency] = totals.get(currency, ZERO) + value
    return {currency: quantize(totals[currency], currency) for currency in sorted(totals)}


def _hours(time: dt.timedelta | None) -> float | None:
    return None if time is None else time.total_seconds() / 3600


def _return_rates(*, units: UnitFigures, orders, clients: list[Client]) -> tuple[list, list]:
    by_id = {client.pk: client for client in clients}
    sold = rma_selectors.units_sold_per_client(orders=orders)
    returned = units.per_client
    by_client = [
        ReturnRate(client=by_id[pk], returns=returned.get(pk, (0, 0))[0], units=returned.get(pk, (0, 0))[1],
                   units_sold=sold.get(pk, 0))
        for pk in sorted(set(returned) | set(sold), key=lambda pk: by_id[pk].name)
    ]
    top = sorted(units.per_sku.items(), key=lambda row: (-row[1][1], row[0][1], row[0][0]))[:SKUS_ON_PAGE]
    sold_per_sku = rma_selectors.units_sold_per_sku(orders=orders, skus=sorted({sku for (_, sku), _ in top}))
    by_sku = [
        ReturnRate(client=by_id[client], sku=sku, description=units.descriptions[client, sku],
                   returns=returns, units=count, units_sold=sold_per_sku.get((client, sku), 0))
        for (client, sku), (returns, count) in top
    ]
    return by_client, by_sku


def _defect_weeks(units: UnitFigures) -> DefectWeeks:
    found = {category for _, category in units.defects}
    weeks = []
    if units.defects:
        week, last = min(week for week, _ in units.defects), max(week for week, _ in units.defects)
        while week <= last:
            weeks.append(week)
            week += dt.timedelta(weeks=1)
    return DefectWeeks(weeks=weeks, categories=[c for c in DefectCategory.values if c in found],
                       units={key: count for key, (count,) in units.defects.items()})


def _disposition_shares(units: UnitFigures) -> list[DispositionShare]:
    shares = []
    for action in Action.values:
        of_action = [(currency, values) for (of, currency), values in units.dispositions.items() if of == action]
        if of_action:
            shares.append(DispositionShare(
                action=action, units=sum(count for _, (count, _) in of_action),
                recovery_value=_sum_per_currency((currency, value) for currency, (_, value) in of_action),
            ))
    return shares


def _refund_totals(units: UnitFigures) -> list[RefundTotal]:
    order = {method: position for position, method in enumerate(RefundMethod.values)}
    rows = sorted(units.refunds.items(), key=lambda row: (row[0][1], order[row[0][0]]))
    return [
        RefundTotal(method=method, currency=currency, refunds=refunds, amount=quantize(amount, currency),
                    bonus=quantize(bonus, currency))
        for (method, currency), (refunds, amount, bonus) in rows
    ]


MEDIAN, P90 = 0.5, 0.9
TO_REFUND = "to refund"


def _stage_times(returns) -> tuple[list[StageTime], float | None]:
    """The time in each stage (median, 90th percentile), and the median time from request to refund."""
    spans = {label: (entered, left) for label, entered, left in STAGE_SPANS}
    spans[TO_REFUND] = ("requested_at", ("refunded_at",))
    times = rma_selectors.time_spreads(returns=returns, spans=spans, fractions=(MEDIAN, P90))
    stages = [
        StageTime(label, times[label].count, _hours(times[label].at[MEDIAN]), _hours(times[label].at[P90]))
        for label, _, _ in STAGE_SPANS
    ]
    return stages, _hours(times[TO_REFUND].at[MEDIAN])


def _overdue(returns, clients: list[Client], now: dt.datetime) -> list[OverdueStage]:
    counts = rma_selectors.overdue_per_stage(returns=returns, clients=clients, now=now)
    labels = dict(ReturnState.choices)
    return [
        OverdueStage(state, labels[state], *counts.get(state, (0, 0)))
        for state in WAITING_FOR
    ]


def report(*, scope: ReportScope, now: dt.datetime | None = None, kept: bool = True) -> Report:
    """Every figure of the reports page for `scope`. The units' figures add the days kept (reports.rollup)
    to those computed live; `kept=False` computes them all live, as the kept ones are checked against."""
    now = now or timezone.now()
    clients = [scope.client] if scope.client else list(Client.objects.all())
    returns = rma_selectors.returns_requested(start=scope.start, end=scope.end, client=scope.client)
    orders = rma_selectors.orders_placed(start=scope.start, end=scope.end, client=scope.client)
    units = rollup.unit_figures(
        returns=returns, date_from=scope.date_from, date_to=scope.date_to, clients=clients, client=scope.client,
    ) if kept else rollup.live_unit_figures(returns)
    by_client, by_sku = _return_rates(units=units, orders=orders, clients=clients)
    stage_times, median_hours_to_refund = _stage_times(returns)
    return Report(
        scope=scope,
        by_client=by_client,
        by_sku=by_sku,
        reasons=sorted(((reason, count) for reason, (count,) in units.reasons.items()),
                       key=lambda pair: (-pair[1], Reason.values.index(pair[0]))),
        defects=_defect_weeks(units),
        dispositions=_disposition_shares(units),
        refunds=_refund_totals(units),
        stage_times=stage_times,
        overdue=_overdue(returns, clients, now),
        median_hours_to_refund=median_hours_to_refund,
    )


# -- the monthly client report -------------------------------------------------------------------


@dataclass(frozen=True)
class TopSku:
    rate: ReturnRate
    reasons: list[tuple[str, int]]  # reason, units; most first


@dataclass(frozen=True)
class MonthlyReport:
    client: Client
    month: dt.date  # its first day
    figures: Report
    top_skus: list[TopSku]

    @property
    def month_name(self) -> str:
        return self.month.strftime("%B %Y")


def monthly_report(*, client: Client, month: dt.date, now: dt.datetime | None = None) -> MonthlyReport:
    """A client's month: the report's figures, and its most returned SKUs with their reasons."""
    scope = month_scope(client=client, month=month)
    figures = report(scope=scope, now=now)
    top = figures.by_sku[:SKUS_IN_MONTHLY_REPORT]
    returns = rma_selectors.returns_requested(start=scope.start, end=scope.end, client=client)
    reasons = rma_selectors.units_returned_per_sku_and_reason(returns=returns, skus=[row.sku for row in top])
    top_skus = [
        TopSku(rate=row, reasons=sorted(
            ((reason, units) for (_, sku, reason), units in reasons.items() if sku == row.sku),
            key=lambda pair: (-pair[1], Reason.values.index(pair[0])),
        ))
        for row in top
    ]
    return MonthlyReport(client=client, month=scope.date_from, figures=figures, top_skus=top_skus)


def recent_emails(*, limit: int = 10) -> list[Message]:
    """The latest emailed reports, newest first, each with its `client`: what went out and what is failing."""
    emails = list(Message.objects.filter(type="email.monthly_report").defer("attachment")[:limit])
    clients = Client.objects.in_bulk([int(email.owner.rsplit(":", 1)[1]) for email in emails if email.owner])
    for email in emails:
        email.client = clients.get(int(email.owner.rsplit(":", 1)[1])) if email.owner else None
    return emails


def may_see_export(*, user: AbstractBaseUser, job: ExportJob) -> bool:
    """An export holds the rows its requester could see: it is theirs, and managers' (download_any_export)."""
    return job.requested_by_id == user.pk or user.has_perm("reports.download_any_export")


def export_jobs_visible_to(*, user: AbstractBaseUser) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.select_related("requested_by")
    return jobs if user.has_perm("reports.download_any_export") else jobs.filter(requested_by=user)
