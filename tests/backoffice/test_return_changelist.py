"""The returns changelist: what operators scan for, how they find a return, and its cost in queries."""

import pytest
from django.urls import reverse

from rma.models import ReturnState
from tests.factories import requested_return, return_in_state

CHANGELIST = reverse("admin:rma_returnrequest_changelist")


@pytest.fixture
def signed_in(client, staff):
    client.force_login(staff.customer_service)
    return client


def listed_pks(response) -> set[int]:
    return {rma.pk for rma in response.context["cl"].result_list}


def test_changelist_shows_ran_state_units_and_refund_amount(signed_in, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)

    page = signed_in.get(CHANGELIST).content.decode()

    assert rma.ran in page
    assert 'class="state-badge"' in page and "Dispositioned" in page
    assert '<td class="field-units_column">2</td>' in page
    assert "100.00 EUR" in page


@pytest.mark.parametrize("typed", [
    lambda ran: ran,
    lambda ran: ran.lower().replace("-", " "),
    lambda ran: ran[3:].replace("-", "").replace("0", "O"),
])
def test_search_finds_a_return_by_ran_however_it_was_typed(signed_in, staff, typed):
    wanted = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return_in_state(ReturnState.AUTHORIZED, staff=staff)

    response = signed_in.get(CHANGELIST, {"q": typed(wanted.ran)})

    assert listed_pks(response) == {wanted.pk}


@pytest.mark.parametrize("term", ["order", "email", "tracking", "serial"])
def test_search_finds_a_return_by_order_email_tracking_or_serial(signed_in, staff, term):
    wanted = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    other = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    item = wanted.items.first()
    type(item).objects.filter(pk=item.pk).update(serial_number="SN-77-WANTED")
    type(wanted).objects.filter(pk=wanted.pk).update(tracking_number="1Z-WANTED-42")
    query = {
        "order": wanted.order.number, "email": wanted.customer.email,
        "tracking": "1Z-WANTED-42", "serial": "SN-77-WANTED",
    }[term]

    response = signed_in.get(CHANGELIST, {"q": query})

    assert wanted.pk in listed_pks(response) and other.pk not in listed_pks(response)


def test_filter_by_reason_lists_each_matching_return_once(signed_in, staff):
    defective = requested_return(units=3, reason="defective", staff=staff)
    requested_return(units=1, reason="size_fit", staff=staff)

    response = signed_in.get(CHANGELIST, {"reason": "defective"})

    assert [rma.pk for rma in response.context["cl"].result_list] == [defective.pk]


def test_filter_by_state_and_client(signed_in, staff):
    authorized = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return_in_state(ReturnState.REQUESTED, staff=staff)

    by_state = signed_in.get(CHANGELIST, {"state__exact": "authorized"})
    by_client = signed_in.get(CHANGELIST, {"client__id__exact": authorized.client_id})

    assert listed_pks(by_state) == {authorized.pk}
    assert listed_pks(by_client) == {authorized.pk}


def test_overdue_returns_are_marked(signed_in, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    type(rma.client).objects.filter(pk=rma.client_id).update(target_hours_requested=0)

    page = signed_in.get(CHANGELIST).content.decode()

    assert 'class="overdue"' in page


@pytest.mark.parametrize("returns", [1, 50])
def test_changelist_runs_a_constant_number_of_queries(signed_in, staff, returns, django_assert_max_num_queries):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff)
    for _ in range(returns - 1):
        requested_return(staff=staff)

    with django_assert_max_num_queries(10):
        response = signed_in.get(CHANGELIST, {"q": "customer", "reason": "changed_mind"})  # a part of every name

    assert response.status_code == 200
    assert response.context["cl"].result_count == returns
