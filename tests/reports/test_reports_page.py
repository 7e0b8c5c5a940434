"""The reports page: managers only, filters, a chart and a table per figure, and each figure as CSV."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.spreadsheet import neutralise
from rma.models import Client, ReturnState
from tests.factories import return_in_state
from tests.reports.data import REPORT_NOW, march_returns

PAGE = reverse("admin:reports")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
FIGURES = ["by-client", "by-sku", "reasons", "defects-by-week", "dispositions", "refunds", "time-in-stage", "overdue"]


def csv_of(key: str) -> str:
    return reverse("admin:reports_csv", args=[key])


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def manager(client, staff):
    client.force_login(staff.manager)
    return client


@pytest.fixture
def data(staff):
    return march_returns(staff)


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector", "finance"])
def test_only_managers_may_open_the_reports(client, staff, group):
    client.force_login(getattr(staff, group))

    assert client.get(PAGE).status_code == 403
    assert client.get(csv_of("by-client"), MARCH).status_code == 403
    assert reverse("admin:reports") not in client.get(reverse("admin:index")).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_managers_find_the_reports_in_the_top_bar(manager):
    page = manager.get(reverse("admin:index")).content.decode()

    assert f'<a href="{PAGE}">Reports</a>' in page


def test_the_page_draws_every_figure_with_a_table_and_a_csv_link(manager, data):
    with time_machine.travel(REPORT_NOW):
        page = manager.get(PAGE, MARCH).content.decode()

    for key in FIGURES:
        assert f'id="figure-{key}"' in page
        assert f'{csv_of(key)}?date_from=2026-03-01&amp;date_to=2026-03-31' in page
    assert page.count('role="img"') == 11  # the disposition mix, recovery and refunds charts come per currency
    assert '<title id="chart-by-client-title">Return rate by client</title>' in page
    assert "33.3% · 5 of 15 units · 4 returns" in page  # written beside the bar
    assert "Alpha Apparel, Return rate: 33.3% · 5 of 15 units · 4 returns" in page  # and as its tooltip
    assert page.count("The values as a table") == len(FIGURES)
    assert "Return rate = returned units ÷ units sold" in page
    assert "dates in UTC, the facility's time zone" in page


def test_the_headline_sums_the_period(manager, data):
    with time_machine.travel(REPORT_NOW):
        response = manager.get(PAGE, MARCH)

    page = response.content.decode()
    assert response.context["rate"] == "35.3"  # 6 of 17 units
    assert "140.00 EUR" in page and "1,000.00 USD" in page and "52.00 EUR" in page
    assert response.context["hours_to_refund"] == "56.0"  # 51, 56 and 100 hours


def test_the_default_period_is_the_last_30_days(manager, staff):
    with time_machine.travel(timezone.now() - dt.timedelta(days=30)):
        return_in_state(ReturnState.REQUESTED, staff=staff)
    recent = return_in_state(ReturnState.REQUESTED, staff=staff)

    response = manager.get(PAGE)

    today = timezone.localdate()
    scope = response.context["report"].scope
    assert (scope.date_from, scope.date_to) == (today - dt.timedelta(days=29), today)
    assert [row.client for row in response.context["report"].by_client] == [recent.client]


def test_filtering_by_client(manager, data):
    with time_machine.travel(REPORT_NOW):
        response = manager.get(PAGE, {**MARCH, "client": data.beta.pk})

    assert [row.client for row in response.context["report"].by_client] == [data.beta]
    assert f"client={data.beta.pk}" in response.context["query_string"]


def test_a_period_ending_before_it_starts_is_refused(manager, db):
    response = manager.get(PAGE, {"date_from": "2026-03-31", "date_to": "2026-03-01"})

    assert response.status_code == 200
    assert "report" not in response.context
    assert "The period must start on or before its last day." in response.content.decode()


def test_the_csv_holds_the_numbers_of_the_chart(manager, data):
    with time_machine.travel(REPORT_NOW):
        by_client = manager.get(csv_of("by-client"), MARCH)
        stages = manager.get(csv_of("time-in-stage"), {**MARCH, "client": data.alpha.pk})

    assert by_client["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="returns-by-client-2026-03-01-2026-03-31.csv"' in by_client["Content-Disposition"]
    assert rows_of(by_client) == [
        ["Client", "Returns", "Returned units", "Units sold", "Return rate (%)"],
        ["Alpha Apparel", "4", "5", "15", "33.3"],
        ["Beta Electronics", "1", "1", "2", "50.0"],
    ]
    assert rows_of(stages)[1] == ["Requested → authorized", "3", "2.0", "3.6"]  # 1, 2 and 4 hours


@pytest.mark.parametrize("key", FIGURES)
def test_every_figure_downloads(manager, data, key):
    with time_machine.travel(REPORT_NOW):
        rows = rows_of(manager.get(csv_of(key), MARCH))

    assert len(rows) > 1


def test_the_defects_csv_has_a_column_per_category(manager, data):
    with time_machine.travel(REPORT_NOW):
        rows = rows_of(manager.get(csv_of("defects-by-week"), MARCH))

    assert rows == [["Week starting", "Cosmetic", "Functional", "Total"],
                    ["2026-03-09", "1", "0", "1"], ["2026-03-16", "0", "1", "1"]]


def test_formula_looking_text_is_neutralised_in_the_csv(manager, data):
    Client.objects.filter(pk=data.alpha.pk).update(name='=HYPERLINK("http://evil.example","Alpha")')

    with time_machine.travel(REPORT_NOW):
        rows = rows_of(manager.get(csv_of("by-client"), MARCH))

    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Alpha")'


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("Alpha", "Alpha"), ("12.5", "12.5"), ("", ""),
])
def test_figure_cells_are_neutralised_like_every_export(cell, written):
    assert neutralise(cell) == written


def test_an_unknown_figure_is_not_found_and_bad_dates_are_refused(manager, db):
    assert manager.get(csv_of("nonsense"), MARCH).status_code == 404
    assert manager.get(csv_of("by-client"), {"date_from": "March"}).status_code == 400


def some_returns(staff, count: int) -> None:
    states = [ReturnState.REQUESTED, ReturnState.AUTHORIZED, ReturnState.REJECTED, ReturnState.INSPECTED,
              ReturnState.DISPOSITIONED, ReturnState.REFUNDED, ReturnState.CLOSED]
    for number in range(count):
        return_in_state(states[number % len(states)], staff=staff, units=1 + number % 3)


@pytest.mark.parametrize("returns", [1, 14])
def test_the_page_and_a_csv_take_the_same_queries_however_many_returns(manager, staff, returns,
                                                                       django_assert_max_num_queries):
    some_returns(staff, returns)

    with django_assert_max_num_queries(21):
        assert manager.get(PAGE).status_code == 200
    with django_assert_max_num_queries(17):
        assert manager.get(csv_of("by-sku"), {"date_from": "2020-01-01", "date_to": "2099-12-31"}).status_code == 200
