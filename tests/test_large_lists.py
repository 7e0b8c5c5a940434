"""The admin lists of big tables: search by what was typed, counts that cost one cheap query, pages read
through the index of the list's order, and a number of queries that does not grow with the rows."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from backoffice.selectors import returns_list
from core.admin import COUNT_BOUND
from rma.admin import ReturnEventAdmin
from rma.lists import ListQuery
from rma.models import Customer, EventChannel, Order, ReturnEvent, ReturnRequest, ReturnState
from tests.factories import requested_return, return_in_state

RETURNS = reverse("admin:rma_returnrequest_changelist")
EVENTS = reverse("admin:rma_returnevent_changelist")
UNITS = reverse("admin:rma_returnitem_changelist")


@pytest.fixture
def manager(client, staff):
    client.force_login(staff.manager)
    return client


def listed(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.fixture
def wanted(staff):
    """An in-transit return with two units, a tracking number, serial numbers and a customer's name; and another."""
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff, units=2)
    ReturnRequest.objects.filter(pk=rma.pk).update(tracking_number="1Z 999 AA1 0123")
    Order.objects.filter(pk=rma.order_id).update(number="HW-77123")
    for number, item in enumerate(rma.items.order_by("unit_number"), start=1):
        type(item).objects.filter(pk=item.pk).update(serial_number=f"SN-WANTED-{number}")
    Customer.objects.filter(pk=rma.customer_id).update(name="Zoë Åberg-Lindqvist")
    return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    rma.refresh_from_db()
    return rma


@pytest.mark.parametrize("kind", ["RAN", "email in another case", "order number", "order number's start",
                                  "tracking number as spoken",
                                  "tracking number as printed", "serial number's start", "a part of the name"])
def test_search_finds_a_return_by_each_kind_of_term_once(manager, wanted, kind):
    typed = {
        "RAN": wanted.ran.lower().replace("-", " "),
        "email in another case": wanted.customer.email.upper(),
        "order number": wanted.order.number,
        "order number's start": "hw-771",
        "tracking number as spoken": "1z999aa10123",
        "tracking number as printed": "1Z 999 AA1 0123",
        "serial number's start": "sn-wanted",  # both units match: the return is listed once
        "a part of the name": "lindqvist",
    }[kind]

    response = manager.get(RETURNS, {"q": typed})

    assert [rma.pk for rma in listed(response)] == [wanted.pk]


def test_every_word_must_match_in_one_of_the_ways(manager, wanted):
    assert [rma.pk for rma in listed(manager.get(RETURNS, {"q": f"zoe {wanted.order.number}"}))] == [wanted.pk]
    assert listed(manager.get(RETURNS, {"q": "zoe no-such-order"})) == []


def test_an_email_is_found_whole_not_by_a_part(manager, wanted):
    domain = wanted.customer.email.split("@")[1]

    assert listed(manager.get(RETURNS, {"q": f"x@{domain}"})) == []


def test_the_search_says_what_can_be_typed(manager):
    page = manager.get(RETURNS).content.decode()

    help_text = "RAN, customer email, the start of an order or serial number, a tracking number or a part of"
    assert help_text in page


def test_the_export_and_api_selector_search_the_same_way(staff, wanted):
    found = returns_list(viewer=staff.manager, query=ListQuery(search=wanted.customer.email.title()))

    assert list(found) == [wanted]


# -- counts ---------------------------------------------------------------------------------------------


def test_a_small_list_counts_exactly(manager, staff):
    for _ in range(3):
        requested_return(staff=staff)

    response = manager.get(RETURNS)

    assert response.context["cl"].result_count == 3
    assert "3 return requests" in response.content.decode()


def many_events(count: int) -> ReturnRequest:
    """`count` events on one return, written at once (the events list is the biggest table)."""
    rma = requested_return()
    start = timezone.now() - dt.timedelta(days=30)
    ReturnEvent.objects.bulk_create(
        ReturnEvent(return_request=rma, action="note_added", from_state=rma.state, to_state=rma.state,
                    channel=EventChannel.SYSTEM, system_job="test", at=start + dt.timedelta(seconds=n))
        for n in range(count)
    )
    return rma


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's")
def test_a_whole_big_list_shows_the_planners_estimate(manager):
    many_events(COUNT_BOUND + 500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rma_returnevent")

    response = manager.get(EVENTS)

    shown = response.context["cl"].result_count_text
    assert shown.startswith("about ") and int(shown.removeprefix("about ").replace(",", "")) > COUNT_BOUND
    assert f"{shown} return events" in response.content.decode()


def test_a_filtered_big_list_counts_up_to_the_bound_and_still_opens_later_pages(manager):
    rma = many_events(COUNT_BOUND + 500)
    per_page = ReturnEventAdmin.list_per_page
    later = (COUNT_BOUND + 200) // per_page + 1  # past the last page the bound allows for

    first = manager.get(EVENTS, {"action__exact": "note_added"})
    far = manager.get(EVENTS, {"action__exact": "note_added", "p": later})

    assert first.context["cl"].result_count_text == "more than 10,000"
    assert "more than 10,000 return events" in first.content.decode()
    assert far.status_code == 200
    assert len(listed(far)) == per_page and {event.return_request_id for event in listed(far)} == {rma.pk}


# -- queries --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("returns", [1, 12])
@pytest.mark.parametrize(("url", "params"), [
    (RETURNS, {}), (RETURNS, {"q": "customer"}), (EVENTS, {}), (EVENTS, {"action__exact": "request"}),
    (UNITS, {}), (UNITS, {"q": "SKU"}),
], ids=["returns", "returns searched", "events", "events filtered", "units", "units searched"])
def test_a_page_costs_the_same_queries_whatever_the_rows(manager, staff, returns, url, params,
                                                         django_assert_max_num_queries):
    for _ in range(returns):
        requested_return(staff=staff, units=2)

    with django_assert_max_num_queries(12):
        response = manager.get(url, {**params, "p": "1"})

    assert response.status_code == 200 and listed(response)


# -- the plans on PostgreSQL ------------------------------------------------------------------------------


def many_returns(count: int) -> None:
    """`count` returns of one client, each with its customer and order, written at once; then ANALYZEd."""
    model = requested_return()
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(client=model.client, email=f"many{n}@example.com", name=f"Many {n}") for n in range(count)
    )
    orders = Order.objects.bulk_create(
        Order(client=model.client, customer=customer, number=f"MANY-{n}", currency="EUR", payment_method="card",
              ordered_at=now, delivered_at=now)
        for n, customer in enumerate(customers)
    )
    ReturnRequest.objects.bulk_create(
        ReturnRequest(client=model.client, order=order, customer=order.customer, policy=model.policy,
                      channel="phone", refund_method=model.refund_method, requested_at=now - dt.timedelta(minutes=n),
                      state_entered_at=now)
        for n, order in enumerate(orders)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rma_returnrequest, rma_customer, rma_order")


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")


@postgresql_only
def test_the_returns_lists_first_page_reads_its_index_without_sorting_the_table(staff):
    many_returns(3000)
    page_ids = returns_list(viewer=staff.manager).values_list("pk", flat=True)[:50]

    plan = page_ids.explain()

    assert "return_requested_idx" in plan and "Sort" not in plan


@postgresql_only
def test_an_email_search_reads_the_customers_email_index(staff):
    many_returns(3000)

    plan = returns_list(viewer=staff.manager, query=ListQuery(search="MANY1234@example.com")).explain()

    assert "customer_email_idx" in plan


@postgresql_only
@pytest.mark.parametrize(("typed", "index"), [
    ("many-12", "order_number_prefix_idx"),
])
def test_a_code_or_name_search_reads_its_index(staff, typed, index):
    many_returns(3000)

    plan = returns_list(viewer=staff.manager, query=ListQuery(search=typed)).explain()

    assert index in plan
