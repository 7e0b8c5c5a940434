"""Each figure of the reports against what it comes to by hand on the March data (tests/reports/data.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from core.percentiles import percentile
from reports import selectors
from reports.selectors import ReportScope
from tests.reports.data import MARCH, REPORT_NOW, march_returns


@pytest.fixture
def data(staff):
    return march_returns(staff)


@pytest.fixture
def figures(data):
    return selectors.report(scope=ReportScope(*MARCH), now=REPORT_NOW)


def test_return_rate_per_client_is_live_returned_units_over_units_sold(figures):
    rows = [(row.client.name, row.returns, row.units, row.units_sold) for row in figures.by_client]

    # Alpha: R1 2 + R2 1 + R3 1 (of a February order) + R7 1; R4 was rejected, R0 and R8 fall outside March.
    # Beta: R6; R5 was cancelled; order B0 was placed in February.
    assert rows == [("Alpha Apparel", 4, 5, 15), ("Beta Electronics", 1, 1, 2)]
    assert [row.rate for row in figures.by_client] == [pytest.approx(5 / 15), 0.5]
    assert (figures.returns, figures.units, figures.units_sold) == (5, 6, 17)


def test_return_rate_per_sku_ranks_the_most_returned_units_first(figures):
    rows = [(row.sku, row.client.code, row.returns, row.units, row.units_sold) for row in figures.by_sku]

    assert rows == [("A-TEE", "alpha", 2, 3, 10), ("A-JKT", "alpha", 2, 2, 5), ("B-LAP", "beta", 1, 1, 2)]
    assert [row.rate for row in figures.by_sku] == [0.3, 0.4, 0.5]


def test_reasons_count_the_live_returned_units(figures):
    assert figures.reasons == [("changed_mind", 2), ("size_fit", 2), ("defective", 1), ("wrong_item", 1)]


def test_defects_are_counted_per_week_of_inspection(figures):
    defects = figures.defects

    assert defects.weeks == [dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
    assert defects.categories == ["cosmetic", "functional"]
    assert defects.units == {(dt.date(2026, 3, 9), "cosmetic"): 1, (dt.date(2026, 3, 16), "functional"): 1}


def test_disposition_mix_and_recovery_value_per_currency(figures):
    mix = [(share.action, share.units, share.recovery_value) for share in figures.dispositions]

    assert mix == [
        ("restock", 2, {"EUR": Decimal("20.00"), "USD": Decimal("1000.00")}),
        ("refurbish", 1, {"EUR": Decimal("12.00")}),
        ("liquidate", 1, {"EUR": Decimal("20.00")}),
    ]
    assert figures.recovery_value == {"EUR": Decimal("52.00"), "USD": Decimal("1000.00")}


def test_refund_totals_per_method_and_currency_count_issued_refunds(figures):
    totals = [(row.currency, row.method, row.refunds, row.amount) for row in figures.refunds]

    assert totals == [
        ("EUR", "original_payment", 1, Decimal("40.00")),
        ("EUR", "store_credit", 1, Decimal("100.00")),
        ("USD", "original_payment", 1, Decimal("1000.00")),
    ]
    assert figures.refunded == {"EUR": Decimal("140.00"), "USD": Decimal("1000.00")}


def test_median_and_90th_percentile_of_each_stage_in_hours(figures):
    times = [(row.label, row.returns, row.median_hours, row.p90_hours) for row in figures.stage_times]

    assert times == [
        ("Requested → authorized", 5, 4, pytest.approx(8.4)),  # 1, 2, 4, 6, 10
        ("Authorized → in transit or received", 3, 18, pytest.approx(38.8)),  # 4, 18, 44
        ("In transit → received", 2, 33, pytest.approx(45)),  # 18, 48
        ("Received → inspected", 3, 1, pytest.approx(2.6)),  # 1, 1, 3
        ("Inspected → dispositioned", 3, 1, pytest.approx(1.8)),  # 1, 1, 2
        ("Dispositioned → refunded or closed", 3, 24, 24),  # 6, 24, 24
    ]
    assert figures.median_hours_to_refund == pytest.approx(56)  # 51, 56, 100


def test_returns_over_their_stage_target_are_counted_per_stage(figures):
    overdue = {row.state: (row.waiting, row.overdue) for row in figures.overdue}

    assert overdue["requested"] == (1, 1)  # R3, waiting since 25 March for a 24-hour target
    assert overdue["authorized"] == (1, 0)  # R7, authorized on 31 March, 14 days to ship
    assert sum(waiting for waiting, _ in overdue.values()) == 2


def test_one_client_only(data):
    figures = selectors.report(scope=ReportScope(*MARCH, client=data.beta), now=REPORT_NOW)

    assert [(row.client.code, row.units, row.units_sold) for row in figures.by_client] == [("beta", 1, 2)]
    assert [row.sku for row in figures.by_sku] == ["B-LAP"]
    assert figures.refunded == {"USD": Decimal("1000.00")}
    assert [row.returns for row in figures.stage_times] == [2, 1, 1, 1, 1, 1]


def test_the_dates_are_whole_days_in_the_facility_time_zone(data, settings):
    # In Berlin, B1 (00:30 UTC on 1 March) was placed on 1 March and R8 (00:30 UTC on 1 April) requested on
    # 1 April, as in UTC; but B0 (23:30 UTC on 28 February) was placed on 1 March.
    settings.TIME_ZONE = "Europe/Berlin"

    figures = selectors.report(scope=ReportScope(*MARCH, client=data.beta), now=REPORT_NOW)

    assert figures.by_client[0].units_sold == 5


def test_a_period_without_returns_has_empty_figures(data):
    figures = selectors.report(scope=ReportScope(dt.date(2025, 1, 1), dt.date(2025, 1, 31)), now=REPORT_NOW)

    assert figures.by_client == [] and figures.by_sku == [] and figures.reasons == []
    assert figures.defects.weeks == [] and figures.dispositions == [] and figures.refunds == []
    assert all(row.median_hours is None for row in figures.stage_times)
    assert figures.rate is None and figures.median_hours_to_refund is None


@pytest.mark.parametrize(("values", "fraction", "expected"), [
    ([], 0.5, None),
    ([7], 0.9, 7),
    ([1, 2, 3, 4, 10], 0.5, 3),
    ([1, 2, 3, 4, 10], 0.9, 7.6),
    ([10, 1, 4], 0.5, 4),
])
def test_percentile_interpolates_between_the_closest_ranks(values, fraction, expected):
    assert percentile(values, fraction) == pytest.approx(expected)


def test_the_monthly_report_adds_the_top_skus_with_their_reasons_and_the_median_time_to_refund(data):
    monthly = selectors.monthly_report(client=data.alpha, month=dt.date(2026, 3, 1), now=REPORT_NOW)

    assert monthly.month_name == "March 2026"
    assert (monthly.figures.returns, monthly.figures.units, monthly.figures.units_sold) == (4, 5, 15)
    assert monthly.figures.refunded == {"EUR": Decimal("140.00")}
    assert monthly.figures.recovery_value == {"EUR": Decimal("52.00")}
    assert monthly.figures.median_hours_to_refund == 53.5  # 51 and 56
    assert [(top.rate.sku, top.rate.units, top.reasons) for top in monthly.top_skus] == [
        ("A-TEE", 3, [("size_fit", 2), ("changed_mind", 1)]),
        ("A-JKT", 2, [("defective", 1), ("wrong_item", 1)]),
    ]
