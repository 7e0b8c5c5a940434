"""The report's additive figures of the units of returns, kept per client and day of request (issue 13).

The report is of the returns *requested* in its period, as they stand now, so a past day's figures change
whenever one of its returns does. Every change writes an event (rma.trail), and with it marks the return's
day (rma.ReportDayToRefresh). The figures of a day are kept (ReportDay, DailyReturnFigure) only once it has
ended; the report adds the kept figures of its days that are kept and unmarked, and computes the other days
(today, the marked ones, any not kept yet) live from the base tables, with the same queries: so its figures
are always exactly those of the live path. Medians and percentiles are never kept: they do not add up.

`refresh_report_days` (Celery beat, every minute; also a command) recomputes the marked days and keeps the
recent days not kept yet; `rebuild_report_days` recomputes every day.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from disposition import selectors as disposition_selectors
from inspection import selectors as inspection_selectors
from refunds import selectors as refund_selectors
from reports.models import DailyReturnFigure, FigureKind, ReportDay
from rma import selectors as rma_selectors
from rma.models import Client, ReportDayToRefresh, ReturnRequest

# The days before today the refresh keeps when they are not kept yet: a default report's period.
NEW_DAYS_KEPT = 31
# Markers read per run: a mass change is worked through over a few runs rather than in one long one.
MARKERS_PER_RUN = 50_000


def _zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _add(totals: dict, key, values: tuple) -> None:
    found = totals.get(key)
    totals[key] = values if found is None else tuple(a + b for a, b in zip(found, values, strict=True))


@dataclass
class UnitFigures:
    """The additive figures of some returns' units: counts and sums, as the report adds them up."""

    per_client: dict[int, tuple[int, int]] = field(default_factory=dict)  # client id: (returns, units)
    per_sku: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)  # (client, sku): (returns, units)
    descriptions: dict[tuple[int, str], str] = field(default_factory=dict)  # (client, sku): description
    reasons: dict[str, tuple[int]] = field(default_factory=dict)  # reason: (units,)
    defects: dict[tuple[dt.date, str], tuple[int]] = field(default_factory=dict)  # (Monday, category): (units,)
    # (action, currency): (units, expected recovery value)
    dispositions: dict[tuple[str, str], tuple[int, Decimal]] = field(default_factory=dict)
    # (method, currency): (issued refunds, amount, store-credit bonus)
    refunds: dict[tuple[str, str], tuple[int, Decimal, Decimal]] = field(default_factory=dict)

    def add(self, other: "UnitFigures") -> "UnitFigures":
        for name in ("per_client", "per_sku", "reasons", "defects", "dispositions", "refunds"):
            totals = getattr(self, name)
            for key, values in getattr(other, name).items():
                _add(totals, key, values)
        for key, description in other.descriptions.items():
            self.descriptions[key] = max(self.descriptions.get(key, ""), description)
        return self


def live_unit_figures(returns: QuerySet[ReturnRequest]) -> UnitFigures:
    """The figures of `returns` computed from the base tables, in six queries."""
    figures = UnitFigures()
    figures.per_client = rma_selectors.units_returned_per_client(returns=returns)
    for row in rma_selectors.units_returned_per_sku(returns=returns):
        figures.per_sku[row["client"], row["sku"]] = (row["returns"], row["units"])
        figures.descriptions[row["client"], row["sku"]] = row["description"]
    figures.reasons = {reason: (units,) for reason, units in
                       rma_selectors.units_returned_per_reason(returns=returns).items()}
    figures.defects = {key: (units,) for key, units in
                       inspection_selectors.defects_per_week(returns=returns, tzinfo=_zone()).items()}
    for row in disposition_selectors.disposition_mix(returns=returns):
        figures.dispositions[row["action"], row["currency"]] = (row["units"], row["recovery_value"])
    for row in refund_selectors.issued_refund_totals(returns=returns):
        figures.refunds[row["method"], row["currency"]] = (row["refunds"], row["amount"], row["bonus"])
    return figures


def kept_unit_figures(report_days: list[int]) -> UnitFigures:
    """The figures kept for those ReportDays, added up in one query."""
    figures = UnitFigures()
    if not report_days:
        return figures
    rows = (
        DailyReturnFigure.objects.filter(report_day__in=report_days).order_by()
        .values("kind", "key", "week", "currency", client=F("report_day__client"))
        .annotate(returns=Sum("returns"), units=Sum("units"), amount=Sum("amount"), bonus=Sum("bonus"),
                  description=Max("description"))
    )
    for row in rows:
        kind, key = row["kind"], row["key"]
        if kind == FigureKind.CLIENT:
            _add(figures.per_client, row["client"], (row["returns"], row["units"]))
        elif kind == FigureKind.SKU:
            figures.per_sku[row["client"], key] = (row["returns"], row["units"])
            figures.descriptions[row["client"], key] = row["description"]
        elif kind == FigureKind.REASON:
            _add(figures.reasons, key, (row["units"],))
        elif kind == FigureKind.DEFECT:
            _add(figures.defects, (row["week"], key), (row["units"],))
        elif kind == FigureKind.DISPOSITION:
            _add(figures.dispositions, (key, row["currency"]), (row["units"], row["amount"]))
        else:
            _add(figures.refunds, (key, row["currency"]), (row["returns"], row["amount"], row["bonus"]))
    return figures


def _fresh_days(*, date_from: dt.date, date_to: dt.date, client: Client | None) -> list[tuple[int, int, dt.date]]:
    """(id, client id, day) of the kept days of the period that no change has marked since."""
    days = ReportDay.objects.filter(day__gte=date_from, day__lte=date_to)
    if client:
        days = days.filter(client=client)
    marked = ReportDayToRefresh.objects.filter(client=OuterRef("client"), day=OuterRef("day"))
    return list(days.exclude(Exists(marked)).values_list("pk", "client_id", "day"))


def _live_filter(*, date_from: dt.date, date_to: dt.date, clients: set[int],
                 fresh: list[tuple[int, int, dt.date]]) -> Q | None:
    """The returns of the period whose day is not kept fresh for their client: runs of whole days, and the
    clients of a day that are not kept. None when every day of every client is."""
    fresh_clients: dict[dt.date, set[int]] = {}
    for _, client, day in fresh:
        fresh_clients.setdefault(day, set()).add(client)
    live = Q()
    run_start = None
    for day in _days(date_from, date_to + dt.timedelta(days=1)):
        missing = clients - fresh_clients.get(day, set()) if day <= date_to else set()
        if missing == clients and day <= date_to:
            run_start = run_start or day
            continue
        if run_start:
            live |= Q(requested_at__gte=_day_start(run_start), requested_at__lt=_day_start(day))
            run_start = None
        if missing:
            live |= Q(requested_at__gte=_day_start(day), requested_at__lt=_day_start(day + dt.timedelta(days=1)),
                      client__in=sorted(missing))
    return live or None


def unit_figures(*, returns: QuerySet[ReturnRequest], date_from: dt.date, date_to: dt.date,
                 clients: list[Client], client: Client | None) -> UnitFigures:
    """The figures of `returns` (those requested in the period): kept days added, the others computed live."""
    fresh = _fresh_days(date_from=date_from, date_to=date_to, client=client)
    figures = kept_unit_figures([pk for pk, _, _ in fresh])
    live = _live_filter(date_from=date_from, date_to=date_to, clients={c.pk for c in clients}, fresh=fresh)
    if live is not None:
        figures.add(live_unit_figures(returns.filter(live)))
    return figures


# -- keeping the days ------------------------------------------------------------------------------


def _rows(figures: UnitFigures, report_day: ReportDay) -> list[DailyReturnFigure]:
    def row(kind: str, **values) -> DailyReturnFigure:
        return DailyReturnFigure(report_day=report_day, kind=kind, **values)

    rows = [row(FigureKind.CLIENT, returns=returns, units=units)
            for returns, units in figures.per_client.values()]
    rows += [row(FigureKind.SKU, key=sku, description=figures.descriptions[client, sku], returns=returns,
                 units=units) for (client, sku), (returns, units) in figures.per_sku.items()]
    rows += [row(FigureKind.REASON, key=reason, units=units) for reason, (units,) in figures.reasons.items()]
    rows += [row(FigureKind.DEFECT, key=category, week=week, units=units)
             for (week, category), (units,) in figures.defects.items()]
    rows += [row(FigureKind.DISPOSITION, key=action, currency=currency, units=units, amount=value)
             for (action, currency), (units, value) in figures.dispositions.items()]
    rows += [row(FigureKind.REFUND, key=method, currency=currency, returns=refunds, amount=amount, bonus=bonus)
             for (method, currency), (refunds, amount, bonus) in figures.refunds.items()]
    return rows


def _keep_day(*, client: int, day: dt.date, markers: list[int]) -> None:
    """Recompute one client's day from the base tables, and clear the markers read before: a change made
    meanwhile wrote a marker this run did not read, so its day stays marked (and live) until the next run."""
    returns = rma_selectors.returns_requested(
        start=_day_start(day), end=_day_start(day + dt.timedelta(days=1)),
    ).filter(client=client)
    with transaction.atomic():
        figures = live_unit_figures(returns)
        report_day, _ = ReportDay.objects.update_or_create(
            client_id=client, day=day, defaults={"computed_at": timezone.now()},
        )
        report_day.figures.all().delete()
        DailyReturnFigure.objects.bulk_create(_rows(figures, report_day))
        ReportDayToRefresh.objects.filter(pk__in=markers).delete()


def _keep_days(cells: dict[tuple[int, dt.date], list[int]]) -> int:
    for (client, day), markers in sorted(cells.items(), key=lambda cell: (cell[0][1], cell[0][0])):
        _keep_day(client=client, day=day, markers=markers)
    return len(cells)


def _marked_days(before: dt.date) -> dict[tuple[int, dt.date], list[int]]:
    """(client id, day): the ids of the markers of the days before `before` (today stays live anyway)."""
    cells: dict[tuple[int, dt.date], list[int]] = {}
    markers = ReportDayToRefresh.objects.filter(day__lt=before).order_by("pk")[:MARKERS_PER_RUN]
    for pk, client, day in markers.values_list("pk", "client_id", "day"):
        cells.setdefault((client, day), []).append(pk)
    return cells


def _facility_today() -> dt.date:
    return timezone.localdate(timezone=_zone())


def refresh_report_days() -> int:
    """Recompute the marked days, and keep the recent ended days not kept yet; returns how many days."""
    today = _facility_today()
    cells = _marked_days(today)
    since = today - dt.timedelta(days=NEW_DAYS_KEPT)
    kept = set(ReportDay.objects.filter(day__gte=since).values_list("client_id", "day"))
    for client in Client.objects.values_list("pk", flat=True):
        for day in _days(since, today - dt.timedelta(days=1)):
            if (client, day) not in kept:
                cells.setdefault((client, day), [])
    return _keep_days(cells)


def rebuild_report_days(*, since: dt.date | None = None) -> int:
    """Recompute every ended day of every client from `since` (or the first return); returns how many days."""
    today = _facility_today()
    cells = _marked_days(today)
    first = ReturnRequest.objects.order_by("requested_at").values_list("requested_at", flat=True).first()
    if first is not None:
        since = max(since or dt.date.min, timezone.localdate(first, timezone=_zone()))
        for client in Client.objects.values_list("pk", flat=True):
            for day in _days(since, today - dt.timedelta(days=1)):
                cells.setdefault((client, day), [])
    return _keep_days(cells)
