"""The dashboard is the admin's index: where the floor stands at a glance."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backoffice import selectors
from rma.models import ReturnRequest, ReturnState, ScanResult
from rma.states import WAITING_FOR
from tests.factories import assigned, requested_return, return_in_state

INDEX = reverse("admin:index")


def stage(dashboard, state, *, own_site: bool = False):
    stages = dashboard.site_stages if own_site else dashboard.stages
    return next(figure for figure in stages if figure.state == state)


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


# -- the viewer's own site first -------------------------------------------------------------------


def two_sites(staff):
    """A return received at each of two clients' warehouses, and one still requested (routed nowhere yet)."""
    here = return_in_state(ReturnState.RECEIVED, staff=staff, units=3)
    there = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    requested_return(staff=staff, client=here.client)
    return here, there


def test_an_assigned_users_site_has_its_own_figures(staff):
    here, _ = two_sites(staff)

    figures = selectors.dashboard(site=here.warehouse)

    own = stage(figures, "received", own_site=True)
    assert (figures.site, own.returns, own.units) == (here.warehouse, 1, 3)
    assert (stage(figures, "received").returns, stage(figures, "received").units) == (2, 4)


def test_a_sites_figures_start_at_authorization(staff):
    here, _ = two_sites(staff)

    figures = selectors.dashboard(site=here.warehouse)

    assert [figure.state for figure in figures.site_stages] == [
        "authorized", "in_transit", "received", "inspected", "dispositioned",
    ]
    assert stage(figures, "requested").returns == 1


def test_without_a_site_the_dashboard_is_the_whole_facility(staff):
    two_sites(staff)

    figures = selectors.dashboard()

    assert (figures.site, figures.site_stages) == (None, [])
    assert stage(figures, "received").returns == 2


def test_an_assigned_user_sees_their_site_first_then_the_whole_facility(client, staff):
    here, _ = two_sites(staff)
    here.warehouse.name = "Leipzig Returns Center"
    here.warehouse.save(update_fields=["name"])
    client.force_login(assigned(staff.customer_service, here.warehouse))

    page = client.get(INDEX).content.decode()

    assert "Your site: Leipzig Returns Center" in page and "Whole facility" in page
    assert page.index('id="site-figures"') < page.index('id="stage-figures"')
    assert f"warehouse__id__exact={here.warehouse.pk}" in page


def test_an_unassigned_user_sees_the_whole_facility_as_before(client, staff):
    two_sites(staff)
    client.force_login(staff.customer_service)

    page = client.get(INDEX).content.decode()

    assert 'id="site-figures"' not in page and "Your site" not in page
    assert 'id="stage-figures"' in page


def test_a_site_costs_no_query_of_its_own_however_many_sites(client, staff, django_assert_max_num_queries):
    for _ in range(6):
        return_in_state(ReturnState.RECEIVED, staff=staff)  # each client with its own warehouse
    manager = assigned(staff.manager, ReturnRequest.objects.first().warehouse)
    client.force_login(manager)

    with django_assert_max_num_queries(14):
        assert client.get(INDEX).status_code == 200


# -- each role's dashboard ---------------------------------------------------------------------------

STAFF_GROUPS = ["customer_service", "dock", "inspector", "finance", "manager"]


def links_on(page: str) -> list[str]:
    """Every address a person can follow from the page: the back office's own, not static files."""
    hrefs = re.findall(r'href="([^"#][^"]*)"', page)
    return sorted({html.unescape(h) for h in hrefs if h.startswith("/") and not h.startswith(("/static/", "/media/"))})


@pytest.mark.parametrize("group", STAFF_GROUPS)
def test_no_link_on_a_groups_dashboard_ends_in_a_403(client, staff, group):
    with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
        for state in [ReturnState.REQUESTED, ReturnState.RECEIVED, ReturnState.DISPOSITIONED]:
            return_in_state(state, staff=staff)  # overdue by now: each listed with a link
    client.force_login(getattr(staff, group))
    page = client.get(INDEX).content.decode()

    answers = {link: client.get(link).status_code for link in links_on(page)}

    assert len(answers) > 3
    assert {link: status for link, status in answers.items() if status >= 400} == {}


@pytest.mark.parametrize(("group", "sees_refunds"), [
    ("customer_service", True), ("dock", False), ("inspector", False), ("finance", True), ("manager", True),
])
def test_only_who_may_see_refunds_sees_their_totals(client, staff, group, sees_refunds):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    client.force_login(getattr(staff, group))

    page = client.get(INDEX).content.decode()

    assert ("Refunds waiting approval" in page) == sees_refunds
    assert ("100.00 EUR" in page) == sees_refunds


def test_the_dashboard_has_no_view_site_link(client, staff):
    client.force_login(staff.manager)

    page = client.get(INDEX).content.decode()

    assert "View site" not in page


def test_times_are_shown_in_the_facilitys_zone_with_the_zone_named(client, staff, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(dt.datetime(2026, 12, 2, 14, 4, tzinfo=dt.UTC)):
        rma = requested_return(staff=staff)
    client.force_login(staff.manager)

    page = client.get(reverse("admin:rma_returnrequest_change", args=[rma.pk])).content.decode()

    assert "2 Dec 2026, 15:04 CET" in page


def test_lists_and_labels_read_as_english(client, staff):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff)
    client.force_login(staff.manager)

    refunds = client.get(reverse("admin:refunds_refund_changelist")).content.decode()
    inspections = client.get(reverse("admin:inspection_inspection_changelist")).content.decode()

    assert "Select a refund to" in refunds and "Pending approval" in refunds
    assert "Select an inspection to" in inspections
    assert dict(ScanResult.choices)[ScanResult.WRONG_STATE] == "Wrong state"
    assert dict(ReturnState.choices)[ReturnState.IN_TRANSIT] == "In transit"


# -- kept a few seconds, not counted on every view ------------------------------------------------


def requested_on_the_dashboard(client) -> int:
    figures = client.get(INDEX).context["dashboard"]
    return stage(figures, "requested").returns


def test_the_figures_are_kept_a_few_seconds_then_counted_again(client, staff, settings):
    settings.DASHBOARD_CACHE_SECONDS = 30
    requested_return(staff=staff)
    client.force_login(staff.manager)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert requested_on_the_dashboard(client) == 1

        requested_return(staff=staff)
        clock.shift(dt.timedelta(seconds=29))
        assert requested_on_the_dashboard(client) == 1

        clock.shift(dt.timedelta(seconds=2))
        assert requested_on_the_dashboard(client) == 2


@pytest.mark.parametrize("state", ReturnState.values)
def test_a_return_in_any_state_is_counted_in_it_once_the_kept_figures_expire(client, staff, settings, state):
    settings.DASHBOARD_CACHE_SECONDS = 30
    client.force_login(staff.manager)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get(INDEX)  # the empty floor, kept
        return_in_state(state, staff=staff, units=2)
        clock.shift(dt.timedelta(seconds=31))

        figures = client.get(INDEX).context["dashboard"]

    counted = {figure.state: (figure.returns, figure.units) for figure in figures.stages if figure.returns}
    ended = {name: n for name, n in figures.ended.items() if n}
    if state in WAITING_FOR:
        assert (counted, ended) == ({state: (1, 2)}, {})
    else:
        assert (counted, ended) == ({}, {dict(ReturnState.choices)[state]: 1})


def test_viewers_who_see_different_figures_never_share_kept_ones(client, staff):
    here, _ = two_sites(staff)
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    client.force_login(staff.manager)
    assert client.get(INDEX).context["dashboard"].refunds_awaiting_approval == 1

    client.force_login(staff.dock)
    dock_view = client.get(INDEX).context["dashboard"]
    client.force_login(assigned(staff.inspector, here.warehouse))
    site_view = client.get(INDEX).context["dashboard"]

    assert (dock_view.refunds_awaiting_approval, dock_view.site) == (None, None)
    assert (site_view.refunds_awaiting_approval, site_view.site) == (None, here.warehouse)


@pytest.mark.parametrize("returns", [1, 12])
def test_a_view_of_kept_figures_takes_few_queries_however_many_returns(
    client, staff, django_assert_max_num_queries, returns
):
    for _ in range(returns):
        requested_return(staff=staff)
    client.force_login(staff.manager)
    client.get(INDEX)

    with django_assert_max_num_queries(6):
        assert client.get(INDEX).status_code == 200
