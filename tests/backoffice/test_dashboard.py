"""The dashboard is the admin's index: where the floor stands at a glance."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from backoffice import selectors
from rma.models import ReturnState
from tests.factories import requested_return, return_in_state

INDEX = reverse("admin:index")


def stage(dashboard, state):
    return next(figure for figure in dashboard.stages if figure.state == state)


def test_counts_returns_and_units_waiting_in_each_stage(staff):
    return_in_state(ReturnState.RECEIVED, staff=staff, units=3)
    return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    requested_return(staff=staff, units=2)

    figures = selectors.dashboard()

    assert (stage(figures, "received").returns, stage(figures, "received").units) == (2, 4)
    assert (stage(figures, "requested").returns, stage(figures, "requested").units) == (1, 2)
    assert stage(figures, "inspected").returns == 0


def test_refunds_waiting_approval_and_their_total_per_currency(staff):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)
    return_in_state(ReturnState.REFUNDED, staff=staff, units=1)

    figures = selectors.dashboard()

    assert figures.refunds_awaiting_approval == 2
    assert [(currency, str(total)) for currency, total in figures.refund_totals_awaiting] == [("EUR", "150.000")]


def test_returns_over_their_stage_target_are_listed(staff):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=30)):
        late = requested_return(staff=staff)  # the default target for a request is 24 hours
    on_time = requested_return(staff=staff)

    figures = selectors.dashboard()

    assert figures.overdue_returns == [late]
    assert on_time not in figures.overdue_returns
    assert stage(figures, "requested").overdue == 1


def test_the_admin_index_shows_the_dashboard(client, staff):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    client.force_login(staff.manager)

    page = client.get(INDEX).content.decode()

    assert 'id="stage-figures"' in page and "Refunds waiting approval" in page and "100.00 EUR" in page


def test_the_dashboard_runs_a_constant_number_of_queries(client, staff, django_assert_max_num_queries):
    for _ in range(10):
        requested_return(staff=staff)
    client.force_login(staff.manager)

    with django_assert_max_num_queries(14):
        assert client.get(INDEX).status_code == 200
