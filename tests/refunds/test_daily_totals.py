"""Finance's totals: refunds approved and issued per client and day, in the facility's time zone."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from refunds import selectors, services
from rma.models import ReturnState
from tests.factories import return_in_state

TOTALS = reverse("admin:refunds_refund_totals")
MONDAY = dt.datetime(2030, 3, 4, 10, tzinfo=dt.UTC)


@pytest.fixture
def two_days(staff):
    """Monday: two refunds of 100.00 EUR approved, one issued; Tuesday: the other issued."""
    with time_machine.travel(MONDAY, tick=False):
        first, second = (return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2).refunds.get()
                         for _ in range(2))
        for refund in (first, second):
            services.approve_refund(refund=refund, actor=staff.finance)
        services.issue_refund(refund=first, actor=staff.finance, reference="PSP-1")
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        services.issue_refund(refund=second, actor=staff.finance, reference="PSP-2")
    return first, second


def test_each_day_counts_what_was_approved_and_issued_per_client(two_days):
    first, second = two_days

    totals = selectors.daily_totals(since=dt.date(2030, 3, 4), until=dt.date(2030, 3, 5), tzinfo=dt.UTC)

    by_day = {(t.day, t.client): (t.approved, t.approved_amount, t.issued, t.issued_amount) for t in totals}
    assert by_day[dt.date(2030, 3, 4), first.return_request.client.name] == (1, Decimal("100"), 1, Decimal("100"))
    assert by_day[dt.date(2030, 3, 5), second.return_request.client.name] == (0, Decimal("0"), 1, Decimal("100"))


def test_finance_reads_the_totals_with_money_in_its_currency(client, staff, two_days):
    client.force_login(staff.finance)

    page = client.get(TOTALS, {"since": "2030-03-04", "until": "2030-03-05"})

    assert page.status_code == 200
    assert "100.00 EUR" in page.content.decode() and "No refund was approved" not in page.content.decode()


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"since": "2030-03-05", "until": "2030-03-04"},
                                   {"since": "2000-01-01", "until": "2030-01-01"}])
def test_a_period_that_makes_no_sense_is_a_form_error(client, staff, query):
    client.force_login(staff.finance)

    page = client.get(TOTALS, query)

    assert page.status_code == 200 and page.context["form"].errors


@pytest.mark.parametrize("group", ["dock", "inspector"])
def test_the_floor_does_not_see_the_money(client, staff, group):
    client.force_login(getattr(staff, group))

    assert client.get(TOTALS).status_code == 403
