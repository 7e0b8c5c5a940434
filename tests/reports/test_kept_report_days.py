"""The figures kept per client and day (reports.rollup) give the report exactly what the live path gives,
figure by figure and to the cent, also while a past day whose return changed waits for its refresh."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports import selectors
from reports.figures import figures_of
from reports.models import ReportDay
from reports.selectors import ReportScope
from rma import services as rma_services
from rma.models import ReportDayToRefresh, ReturnState
from tests.factories import return_in_state
from tests.reports.data import MARCH, REPORT_NOW, march_returns, walk

SCOPE = ReportScope(*MARCH)


@pytest.fixture
def data(staff):
    return march_returns(staff)


def shown(report) -> list:
    """Everything the page and the CSVs show of a report: each figure's columns and cells, and the headline."""
    return [(report.returns, report.units, report.units_sold, report.rate, report.recovery_value, report.refunded),
            *((figure.key, figure.columns, figure.rows) for figure in figures_of(report))]


def assert_kept_equals_live(scope: ReportScope = SCOPE) -> None:
    kept = selectors.report(scope=scope, now=REPORT_NOW)
    live = selectors.report(scope=scope, now=REPORT_NOW, kept=False)
    assert shown(kept) == shown(live)
    assert kept == live


def on(moment: dt.datetime, command: str, **options) -> None:
    """Run a command of the reports as if at `moment`: the days before it are ended, and may be kept."""
    with time_machine.travel(moment, tick=False):
        call_command(command, **options)


def march_day(day: int) -> ReportDay:
    return ReportDay.objects.get(client__code="alpha", day=dt.date(2026, 3, day))


def test_the_rebuilt_days_give_the_live_figures_and_clear_every_mark(data, django_assert_max_num_queries):
    assert ReportDayToRefresh.objects.exists()  # every event of the made returns marked its day

    on(REPORT_NOW, "rebuild_report_days")

    # R8's day, 1 April, is "today": not kept, its marks stay.
    assert set(ReportDayToRefresh.objects.values_list("day", flat=True)) == {dt.date(2026, 4, 1)}
    assert ReportDay.objects.filter(day__range=MARCH).count() == 2 * 31  # both clients, every day of March
    assert march_day(10).figures.exists()  # R1's day keeps its figures
    assert_kept_equals_live()
    assert_kept_equals_live(ReportScope(*MARCH, client=data.beta))
    # Every day of March is kept: the units' six live queries are not run.
    with django_assert_max_num_queries(9):
        selectors.report(scope=SCOPE, now=REPORT_NOW)


def test_a_past_day_whose_return_changed_is_counted_live_until_refreshed(data, staff):
    on(REPORT_NOW, "rebuild_report_days")
    before = selectors.report(scope=SCOPE, now=REPORT_NOW)
    computed = march_day(31).computed_at

    # In April, R3 (25 March) is rejected and R7 (31 March) goes all the way to a refund.
    hour = dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)
    with time_machine.travel(hour, tick=False):
        rma_services.reject_return(rma=data.returns["R3"], actor=staff.customer_service, reason="Too late")
    walk(data.returns["R7"], staff, received=hour + dt.timedelta(hours=1), inspected=hour + dt.timedelta(hours=2),
         findings=({},), dispositioned=hour + dt.timedelta(hours=3), refunded=hour + dt.timedelta(hours=4),
         reference="PSP-R7")

    marked = set(ReportDayToRefresh.objects.filter(day__lt=REPORT_NOW.date()).values_list("client__code", "day"))
    assert marked == {("alpha", dt.date(2026, 3, 31)), ("alpha", dt.date(2026, 3, 25))}
    stale = selectors.report(scope=SCOPE, now=REPORT_NOW)
    assert stale != before
    assert stale.units == before.units - 1
    assert stale.refunded["EUR"] > before.refunded["EUR"]
    assert_kept_equals_live()

    on(dt.datetime(2026, 4, 4, 12, tzinfo=dt.UTC), "refresh_report_days")

    assert not ReportDayToRefresh.objects.exists()
    assert march_day(31).computed_at > computed
    assert selectors.report(scope=SCOPE, now=REPORT_NOW) == stale
    assert_kept_equals_live()


def test_the_refresh_keeps_the_days_just_ended_and_leaves_today_live(staff):
    yesterday = timezone.localtime().replace(hour=12) - dt.timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    return_in_state(ReturnState.REQUESTED, staff=staff, units=1)

    call_command("refresh_report_days")

    today = timezone.localdate()
    assert ReportDay.objects.filter(client=rma.client, day=today - dt.timedelta(days=1)).get().figures.exists()
    assert not ReportDay.objects.filter(day=today).exists()
    assert ReportDayToRefresh.objects.filter(day=today).exists()  # today is always counted live
    scope = selectors.default_scope()
    assert selectors.report(scope=scope).units == 3
    assert shown(selectors.report(scope=scope)) == shown(selectors.report(scope=scope, kept=False))


def test_a_rebuild_from_a_day_and_a_bad_day(data, capsys):
    on(REPORT_NOW, "rebuild_report_days", since="2026-03-20")

    # Before it, only the days marked by a change (those of the made returns) are recomputed.
    assert not ReportDay.objects.filter(day__in=[dt.date(2026, 3, 1), dt.date(2026, 3, 19)]).exists()
    assert march_day(25).figures.exists()
    assert "client days of the reports recomputed" in capsys.readouterr().out
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        on(REPORT_NOW, "rebuild_report_days", since="20 March")


@pytest.mark.parametrize("returns", [1, 12])
def test_the_page_takes_the_same_queries_with_kept_and_marked_days(client, staff, returns,
                                                                  django_assert_max_num_queries):
    client.force_login(staff.manager)
    now = timezone.localtime()
    for number in range(returns):
        with time_machine.travel(now - dt.timedelta(days=1 + number % 6), tick=False):
            return_in_state(ReturnState.REFUNDED, staff=staff, units=1 + number % 3)
    with time_machine.travel(now - dt.timedelta(days=2), tick=False):
        waiting = return_in_state(ReturnState.REQUESTED, staff=staff)
    call_command("refresh_report_days")
    # A past day goes stale, and today has a return: both counted live, in the same queries.
    rma_services.reject_return(rma=waiting, actor=staff.customer_service, reason="Outside the window")
    return_in_state(ReturnState.REQUESTED, staff=staff)
    assert ReportDayToRefresh.objects.filter(day__lt=now.date()).exists()

    with django_assert_max_num_queries(21):
        assert client.get(reverse("admin:reports")).status_code == 200
