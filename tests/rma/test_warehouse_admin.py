"""Warehouse routes and staff assignments are configuration managers keep in the admin; the floor sees them,
and the returns list, the scans and the unexpected parcels can be read per site."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from rma import services as rma_services
from rma.models import ReturnState, WarehouseAssignment, WarehouseRoute
from tests.factories import (
    ClientFactory,
    WarehouseFactory,
    WarehouseRouteFactory,
    assigned,
    client_account,
    return_in_state,
)

ROUTES = reverse("admin:rma_warehouseroute_changelist")
ADD_ROUTE = reverse("admin:rma_warehouseroute_add")
ASSIGNMENTS = reverse("admin:rma_warehouseassignment_changelist")
ADD_ASSIGNMENT = reverse("admin:rma_warehouseassignment_add")
RETURNS = reverse("admin:rma_returnrequest_changelist")
FLOOR_GROUPS = ["customer_service", "dock", "inspector", "finance"]


# -- permissions, as backoffice 0007 grants them ---------------------------------------------------


@pytest.mark.parametrize("model", ["warehouseroute", "warehouseassignment"])
def test_managers_add_change_and_view_routes_and_assignments(db, model):
    granted = set(Group.objects.get(name="manager").permissions.filter(codename__endswith=f"_{model}")
                  .values_list("codename", flat=True))

    assert granted == {f"add_{model}", f"change_{model}", f"view_{model}"}


@pytest.mark.parametrize("group", FLOOR_GROUPS)
@pytest.mark.parametrize("model", ["warehouseroute", "warehouseassignment"])
def test_the_floor_only_views_routes_and_assignments(db, group, model):
    granted = set(Group.objects.get(name=group).permissions.filter(codename__endswith=f"_{model}")
                  .values_list("codename", flat=True))

    assert granted == {f"view_{model}"}


@pytest.mark.parametrize("model", ["warehouseroute", "warehouseassignment"])
def test_client_accounts_get_nothing_of_the_facilitys_configuration(db, model):
    assert not Group.objects.get(name="client_api").permissions.filter(codename__endswith=f"_{model}").exists()


# -- routes ----------------------------------------------------------------------------------------


def test_a_manager_adds_a_route_and_the_country_is_stored_upper_case(client, staff):
    merchant, site = ClientFactory(), WarehouseFactory()
    client.force_login(staff.manager)

    response = client.post(ADD_ROUTE, {"client": merchant.pk, "country": "at", "warehouse": site.pk})

    assert response.status_code == 302
    assert list(WarehouseRoute.objects.values_list("client", "country", "warehouse")) == [(merchant.pk, "AT", site.pk)]


def test_a_second_route_for_the_same_client_and_country_is_refused(client, staff):
    route = WarehouseRouteFactory(country="AT")
    client.force_login(staff.manager)

    response = client.post(ADD_ROUTE, {"client": route.client.pk, "country": "AT", "warehouse": WarehouseFactory().pk})

    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert WarehouseRoute.objects.count() == 1


@pytest.mark.parametrize("country", ["A", "A1", "AUT"])
def test_a_country_that_is_no_two_letter_code_is_refused(client, staff, country):
    client.force_login(staff.manager)

    response = client.post(ADD_ROUTE, {"client": ClientFactory().pk, "country": country,
                                       "warehouse": WarehouseFactory().pk})

    assert response.status_code == 200 and not WarehouseRoute.objects.exists()


def test_a_manager_edits_a_clients_routes_on_the_client(client, staff):
    route = WarehouseRouteFactory(country="AT")
    client.force_login(staff.manager)

    page = client.get(reverse("admin:rma_client_change", args=[route.client.pk])).content.decode()

    assert 'name="warehouse_routes-0-country"' in page and 'value="AT"' in page


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_the_floor_sees_the_routes_but_cannot_add_one(client, staff, group):
    WarehouseRouteFactory(country="AT")
    client.force_login(getattr(staff, group))

    assert client.get(ROUTES).status_code == 200
    assert client.get(ADD_ROUTE).status_code == 403


# -- assignments -----------------------------------------------------------------------------------


def test_a_manager_assigns_a_dock_user_to_a_site(client, staff):
    site = WarehouseFactory()
    client.force_login(staff.manager)

    response = client.post(ADD_ASSIGNMENT, {"user": staff.dock.pk, "warehouse": site.pk})

    assert response.status_code == 302
    assert WarehouseAssignment.objects.get().warehouse == site
    assert rma_services.receive_scan(code="JJD1", actor=staff.dock).warehouse == site


def test_a_client_api_account_cannot_be_assigned_to_a_site(client, staff):
    account = client_account(ClientFactory())
    client.force_login(staff.manager)

    response = client.post(ADD_ASSIGNMENT, {"user": account.pk, "warehouse": WarehouseFactory().pk})

    assert response.status_code == 200 and not WarehouseAssignment.objects.exists()


def test_a_person_works_at_one_site(client, staff):
    assigned(staff.dock, WarehouseFactory())
    client.force_login(staff.manager)

    response = client.post(ADD_ASSIGNMENT, {"user": staff.dock.pk, "warehouse": WarehouseFactory().pk})

    assert response.status_code == 200 and WarehouseAssignment.objects.count() == 1


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_the_floor_sees_who_works_where_but_assigns_no_one(client, staff, group):
    client.force_login(getattr(staff, group))

    assert client.get(ASSIGNMENTS).status_code == 200
    assert client.get(ADD_ASSIGNMENT).status_code == 403


# -- the lists, per site ---------------------------------------------------------------------------


def test_the_returns_list_shows_and_filters_by_warehouse(client, staff):
    here = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    there = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.customer_service)

    response = client.get(RETURNS, {"warehouse__id__exact": here.warehouse.pk})

    assert {rma.pk for rma in response.context["cl"].result_list} == {here.pk}
    assert f'<td class="field-warehouse_column">{here.warehouse.code}</td>' in response.content.decode()
    assert there.warehouse.name in response.content.decode()  # offered in the filter


def test_the_return_page_names_its_warehouse(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.customer_service)

    page = client.get(reverse("admin:rma_returnrequest_change", args=[rma.pk])).content.decode()

    assert f"<dt>Warehouse</dt><dd>{rma.warehouse}</dd>" in page


def test_scans_are_filtered_by_site_and_by_wrong_site(client, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    elsewhere = WarehouseFactory()
    rma_services.receive_scan(code=rma.ran, actor=staff.dock, warehouse=elsewhere)
    rma_services.receive_scan(code="JJD-ELSEWHERE", actor=staff.dock, warehouse=rma.warehouse)
    client.force_login(staff.dock)

    changelist = reverse("admin:rma_receivingscan_changelist")
    flagged = client.get(changelist, {"wrong_site__exact": "1"}).context["cl"].result_list
    at_home = client.get(changelist, {"warehouse__id__exact": rma.warehouse.pk}).context["cl"].result_list

    assert [scan.code for scan in flagged] == [rma.ran]
    assert [scan.code for scan in at_home] == ["JJD-ELSEWHERE"]


def test_unexpected_parcels_are_filtered_by_the_site_holding_them(client, staff):
    here, there = WarehouseFactory(), WarehouseFactory()
    rma_services.receive_scan(code="JJD-HERE", actor=staff.dock, warehouse=here)
    rma_services.receive_scan(code="JJD-THERE", actor=staff.dock, warehouse=there)
    client.force_login(staff.customer_service)

    response = client.get(reverse("admin:rma_unexpectedparcel_changelist"), {"warehouse__id__exact": here.pk})

    assert [parcel.code for parcel in response.context["cl"].result_list] == ["JJD-HERE"]
