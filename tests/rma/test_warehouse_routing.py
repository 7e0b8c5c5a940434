"""Authorization routes a return to a warehouse: the client's route for the country the parcel ships
from, else the client's default warehouse; the return keeps it, and its authorize event says how."""

import pytest
from django.db import IntegrityError, transaction

from rma import services as rma_services
from rma.models import Customer, ReturnRequest, ReturnState, WarehouseRoute
from tests.factories import (
    WarehouseFactory,
    WarehouseRouteFactory,
    client_with_policy,
    order_for,
    requested_return,
    return_in_state,
)


def authorized(rma: ReturnRequest, staff) -> ReturnRequest:
    return rma_services.authorize_return(rma=rma, actor=staff.customer_service)


def authorize_event(rma: ReturnRequest):
    return rma.events.get(action="authorize")


@pytest.fixture
def client(db):
    """A client whose policy waits for customer service, with customers in Germany (the factories' DE)."""
    return client_with_policy(auto_authorize=False)


# -- which warehouse -------------------------------------------------------------------------------


def test_a_route_for_the_customers_country_is_chosen_over_the_default(staff, client):
    route = WarehouseRouteFactory(client=client, country="DE")

    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert rma.warehouse == route.warehouse != client.default_warehouse


def test_without_a_route_the_clients_default_warehouse_is_chosen(staff, client):
    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert rma.warehouse == client.default_warehouse


def test_a_route_for_another_country_is_not_used(staff, client):
    WarehouseRouteFactory(client=client, country="AT")

    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert rma.warehouse == client.default_warehouse


def test_another_clients_route_is_not_used(staff, client):
    WarehouseRouteFactory(country="DE")

    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert rma.warehouse == client.default_warehouse


def test_the_customers_country_is_matched_in_any_case(staff, client):
    route = WarehouseRouteFactory(client=client, country="AT")
    order = order_for(client)
    Customer.objects.filter(pk=order.customer_id).update(country="at")

    rma = authorized(requested_return(staff=staff, client=client, order=order), staff)

    assert rma.warehouse == route.warehouse


def test_a_customer_without_an_address_ships_from_where_the_order_went(staff, client):
    route = WarehouseRouteFactory(client=client, country="AT")
    order = order_for(client, country="AT", city="Wien")
    Customer.objects.filter(pk=order.customer_id).update(address_line1="", city="", postal_code="", country="")

    rma = authorized(requested_return(staff=staff, client=client, order=order), staff)

    assert rma.warehouse == route.warehouse


def test_the_customers_own_address_wins_over_the_orders(staff, client):
    WarehouseRouteFactory(client=client, country="AT")
    order = order_for(client, country="AT")  # the customer's own address is in DE

    rma = authorized(requested_return(staff=staff, client=client, order=order), staff)

    assert rma.warehouse == client.default_warehouse


def test_a_policy_that_authorizes_on_its_own_routes_too(staff):
    client = client_with_policy(auto_authorize=True)
    route = WarehouseRouteFactory(client=client, country="DE")

    rma = requested_return(staff=staff, client=client)

    assert (rma.state, rma.warehouse) == (ReturnState.AUTHORIZED, route.warehouse)


def test_a_manager_override_routes_too(staff):
    client = client_with_policy(auto_authorize=False, accepted_reasons=["defective"])
    route = WarehouseRouteFactory(client=client, country="DE")
    rma = requested_return(staff=staff, client=client, reason="changed_mind")  # a reason the policy refuses

    rma = rma_services.authorize_return(rma=rma, actor=staff.manager, override_reason="Goodwill, agreed by phone")

    event = authorize_event(rma)
    assert rma.warehouse == route.warehouse
    assert event.details["overridden_rules"] and event.details["warehouse"] == route.warehouse.pk


# -- what it says, and that it stays -------------------------------------------------------------


def test_the_authorize_event_records_the_routed_warehouse(staff, client):
    route = WarehouseRouteFactory(client=client, country="DE")

    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert authorize_event(rma).details == {
        "warehouse": route.warehouse.pk, "warehouse_code": route.warehouse.code, "routed_by": "route",
        "route": route.pk,
    }


def test_the_authorize_event_says_the_clients_default_was_used(staff, client):
    rma = authorized(requested_return(staff=staff, client=client), staff)

    assert authorize_event(rma).details == {
        "warehouse": client.default_warehouse.pk, "warehouse_code": client.default_warehouse.code,
        "routed_by": "client_default",
    }


def test_a_request_is_not_routed_before_authorization(staff, client):
    WarehouseRouteFactory(client=client, country="DE")

    rma = requested_return(staff=staff, client=client)

    assert rma.warehouse is None


def test_a_route_changed_later_moves_new_returns_only(staff, client):
    route = WarehouseRouteFactory(client=client, country="DE")
    earlier = authorized(requested_return(staff=staff, client=client), staff)
    elsewhere = WarehouseFactory()

    WarehouseRoute.objects.filter(pk=route.pk).update(warehouse=elsewhere)
    later = authorized(requested_return(staff=staff, client=client), staff)

    assert ReturnRequest.objects.get(pk=earlier.pk).warehouse == route.warehouse
    assert later.warehouse == elsewhere


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.RECEIVED, ReturnState.EXPIRED])
def test_the_database_refuses_an_authorized_return_without_a_warehouse(staff, state):
    rma = return_in_state(state, staff=staff)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnRequest.objects.filter(pk=rma.pk).update(warehouse=None)


@pytest.mark.parametrize("state", [ReturnState.REQUESTED, ReturnState.REJECTED])
def test_a_return_never_authorized_has_no_warehouse(staff, state):
    rma = return_in_state(state, staff=staff)

    assert rma.warehouse is None

