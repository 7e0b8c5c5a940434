"""A report's figures as the page shows them: a table of text cells per figure, its charts, and its CSV.

The table, the chart's value texts and the CSV are written from the same cells, so they always agree.
"""

import csv
import io
from dataclasses import dataclass

from core.money import format_money
from core.spreadsheet import neutralise
from core.words import counted
from disposition.models import Action
from inspection.models import DefectCategory
from reports.charts import BarRow, Chart, horizontal_bars, stacked_columns
from reports.selectors import Report
from rma.models import Reason, RefundMethod

RETURN_RATE_DEFINITION = (
    "Return rate = returned units ÷ units sold. Returned units: the units (one per physical item) of the "
    "returns requested in the period, except rejected, cancelled and expired returns. Units sold: the "
    "quantities of the order lines of the orders placed in the period. A return of an order placed before "
    "the period counts in its period, so a short period's rate can pass 100%."
)


@dataclass(frozen=True)
class Figure:
    key: str  # names its CSV
    title: str
    definition: str
    columns: list[str]
    rows: list[list[str]]
    charts: list[Chart]


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(part: int, whole: int) -> str:
    return percent(part / whole if whole else None)


def _by_client(report: Report) -> Figure:
    rows = [[row.client.name, str(row.returns), str(row.units), str(row.units_sold), percent(row.rate)]
            for row in report.by_client]
    chart = horizontal_bars(
        id="chart-by-client", title="Return rate by client",
        summary="Return rate of each client in the period; the table below gives the returns and units.",
        category_axis="Client", value_axis="Return rate (%)", series=["Return rate"], whole=False,
        rows=[BarRow(row.client.name, [None if row.rate is None else row.rate * 100],
                     [f"{percent(row.rate)}% · {row.units} of {row.units_sold} units · {counted(row.returns, 'return')}"
                      if row.rate is not None else f"{counted(row.units, 'unit')}, none sold"])
              for row in report.by_client],
    )
    return Figure("by-client", "Returns and return rate by client", RETURN_RATE_DEFINITION,
                  ["Client", "Returns", "Returned units", "Units sold", "Return rate (%)"], rows, [chart])


def _by_sku(report: Report) -> Figure:
    with_client = report.scope.client is None

    def label(row) -> str:
        return f"{row.sku} · {row.client.code}" if with_client else row.sku

    rows = [[row.sku, row.description, row.client.name, str(row.returns), str(row.units), str(row.units_sold),
             percent(row.rate)] for row in report.by_sku]
    chart = horizontal_bars(
        id="chart-by-sku", title="Returned units of the most returned SKUs",
        summary="Returned units per SKU, most first, with each SKU's return rate.",
        category_axis="SKU", value_axis="Returned units", series=["Returned units"], whole=True,
        rows=[BarRow(label(row), [row.units],
                     [f"{counted(row.units, 'unit')} · {percent(row.rate)}% of {row.units_sold} sold"
                      if row.rate is not None else f"{counted(row.units, 'unit')}, none sold"])
              for row in report.by_sku],
    )
    return Figure("by-sku", "Returns and return rate by SKU (the 20 most returned)", RETURN_RATE_DEFINITION,
                  ["SKU", "Description", "Client", "Returns", "Returned units", "Units sold", "Return rate (%)"],
                  rows, [chart])


def _reasons(report: Report) -> Figure:
    labels = dict(Reason.choices)
    total = sum(units for _, units in report.reasons)
    rows = [[labels[reason], str(units), _share(units, total)] for reason, units in report.reasons]
    chart = horizontal_bars(
        id="chart-reasons", title="Returned units by reason", summary="Returned units per reason given, most first.",
        category_axis="Reason", value_axis="Returned units", series=["Returned units"], whole=True,
        rows=[BarRow(row[0], [int(row[1])], [f"{row[1]} ({row[2]}%)"]) for row in rows],
    )
    return Figure("reasons", "Reasons", "The reason given for each returned unit (as counted for the return rate).",
                  ["Reason", "Returned units", "Share (%)"], rows, [chart])


def _defects(report: Report) -> Figure:
    defects = report.defects
    labels = dict(DefectCategory.choices)
    names = [labels[category] for category in defects.categories]
    counts = [[defects.units.get((week, category), 0) for category in defects.categories] for week in defects.weeks]
    rows = [[week.isoformat(), *map(str, values), str(sum(values))]
            for week, values in zip(defects.weeks, counts, strict=True)]
    chart = stacked_columns(
        id="chart-defects", title="Defects found by week of inspection",
        summary="Units found with a defect each week, stacked by defect category.",
        category_axis="Week starting (Monday)", value_axis="Units with a defect", series=names,
        columns=[(week.strftime("%d %b"), values) for week, values in zip(defects.weeks, counts, strict=True)],
    )
    return Figure(
        "defects-by-week", "Defect categories by week",
        "Units of the period's returns that the inspector found with a defect, by the week (Monday to Sunday, "
        "facility time) they were inspected. Units without a defect, and missing units, are not counted.",
        ["Week starting", *names, "Total"], rows, [chart],
    )


def _dispositions(report: Report) -> Figure:
    labels = dict(Action.choices)
    currencies = sorted(report.recovery_value)
    total = sum(share.units for share in report.dispositions)
    rows = [[labels[share.action], str(share.units), _share(share.units, total),
             *(str(share.recovery_value.get(currency, "")) for currency in currencies)]
            for share in report.dispositions]
    charts = [horizontal_bars(
        id="chart-disposition-mix", title="Disposition mix", summary="Units per confirmed disposition action.",
        category_axis="Action", value_axis="Units", series=["Units"], whole=True,
        rows=[BarRow(row[0], [int(row[1])], [f"{row[1]} ({row[2]}%)"]) for row in rows],
    )]
    for offset, currency in enumerate(currencies):
        charts.append(horizontal_bars(
            id=f"chart-recovery-{currency.lower()}", title=f"Expected recovery value by action, {currency}",
            summary=f"Expected recovery value in {currency} per disposition action.",
            category_axis="Action", value_axis=f"Expected recovery value ({currency})", series=["Recovery value"],
            whole=False,
            rows=[BarRow(row[0], [float(row[3 + offset])], [format_money(row[3 + offset], currency)])
                  for row in rows if row[3 + offset]],
        ))
    totals = ", ".join(format_money(value, currency) for currency, value in report.recovery_value.items())
    return Figure(
        "dispositions", "Disposition mix and recovery value",
        "Confirmed dispositions of the units of the period's returns, with the expected recovery value recorded "
        f"for each unit, per currency. In all: {totals or 'none'}.",
        ["Action", "Units", "Share (%)", *(f"Recovery value ({currency})" for currency in currencies)], rows, charts,
    )


def _refunds(report: Report) -> Figure:
    labels = dict(RefundMethod.choices)
    rows = [[labels[row.method], row.currency, str(row.refunds), str(row.amount), str(row.bonus)]
            for row in report.refunds]
    charts = [
        horizontal_bars(
            id=f"chart-refunds-{currency.lower()}", title=f"Refunds issued by method, {currency}",
            summary=f"Total of the issued refunds in {currency} per refund method.",
            category_axis="Method", value_axis=f"Refunded ({currency})", series=["Refunded"], whole=False,
            # The float is only the bar's length on the chart; its label shows the Decimal amount.
            rows=[BarRow(labels[row.method], [float(row.amount)],  # nosemgrep: float-money
                         [f"{format_money(row.amount, currency)} · {counted(row.refunds, 'refund')}"])
                  for row in report.refunds if row.currency == currency],
        )
        for currency in sorted(report.refunded)
    ]
    return Figure(
        "refunds", "Refund totals by method",
        "Refunds issued for the period's returns (not those waiting for approval, denied or failed), per method "
        "and currency. The store-credit bonus the client funds is on top of the amount.",
        ["Method", "Currency", "Refunds issued", "Amount", "Store-credit bonus"], rows, charts,
    )


def _stage_times(report: Report) -> Figure:
    rows = [[row.label, str(row.returns), hours(row.median_hours), hours(row.p90_hours)]
            for row in report.stage_times]
    chart = horizontal_bars(
        id="chart-stage-times", title="Time in each stage, median and 90th percentile",
        summary="Hours the period's returns spent in each stage: the median and the 90th percentile.",
        category_axis="Stage", value_axis="Hours", series=["Median", "90th percentile"], whole=False,
        rows=[BarRow(row.label, [row.median_hours, row.p90_hours],
                     [f"{hours(row.median_hours)} h" if row.returns else "no returns",
                      f"{hours(row.p90_hours)} h" if row.returns else ""])
              for row in report.stage_times],
    )
    return Figure(
        "time-in-stage", "Time in each stage",
        "From the moment a return entered a stage to the moment it entered the next (authorized to in transit, "
        "or to received when no carrier update came; dispositioned to refunded or closed), for every return of "
        "the period that went through the stage. The 90th percentile interpolates between the closest ranks.",
        ["Stage", "Returns", "Median (hours)", "90th percentile (hours)"], rows, [chart],
    )


def _overdue(report: Report) -> Figure:
    rows = [[row.label, str(row.waiting), str(row.overdue)] for row in report.overdue]
    chart = horizontal_bars(
        id="chart-overdue", title="Returns waiting, and over their stage's target",
        summary="Per stage, the period's returns waiting in it now and those over their client's target time.",
        category_axis="Stage", value_axis="Returns", series=["Waiting", "Over target"], whole=True,
        rows=[BarRow(row.label, [row.waiting, row.overdue], [str(row.waiting), str(row.overdue)])
              for row in report.overdue],
    )
    return Figure(
        "overdue", "Returns over their stage's target time",
        "Returns of the period waiting in a stage now, and those of them that have been in it longer than their "
        "client's target hours for that stage (as on the dashboard).",
        ["Stage", "Waiting", "Over target"], rows, [chart],
    )


def figures_of(report: Report) -> list[Figure]:
    return [
        _by_client(report), _by_sku(report), _reasons(report), _defects(report), _dispositions(report),
        _refunds(report), _stage_times(report), _overdue(report),
    ]


def figure_csv(figure: Figure) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(column) for column in figure.columns])
    writer.writerows([neutralise(cell) for cell in row] for row in figure.rows)
    return out.getvalue()
