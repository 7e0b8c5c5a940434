"""What a client's person reads: their own returns, refunds and reports, nothing of another client's."""

import pytest
from django.urls import reverse

from core.money import format_money
from rma.models import ReturnEvent, ReturnRequest
from rma.services.notes import add_note
from tests.factories import return_in_state


@pytest.fixture
def anna(client, shops):
    client.force_login(shops["a_user"])
    return client


def test_the_returns_list_shows_the_clients_returns_only(anna, shops):
    page = anna.get(reverse("console:returns")).content.decode()

    assert shops["a_refunded"].ran in page
    assert shops["b_refunded"].ran not in page


def test_searching_another_clients_ran_finds_nothing(anna, shops):
    page = anna.get(reverse("console:returns"), {"q": shops["b_refunded"].ran}).content.decode()

    assert "No returns match." in page


def test_searching_an_own_ran_finds_just_that_return(anna, shops):
    page = anna.get(reverse("console:returns"), {"q": shops["a_refunded"].ran}).content.decode()

    assert shops["a_refunded"].ran in page
    assert reverse("console:return", args=[shops["a_requested"].pk]) not in page


def test_the_state_filter_narrows_the_list(anna, shops):
    page = anna.get(reverse("console:returns"), {"state__exact": "requested"}).content.decode()

    assert shops["a_refunded"].ran not in page
    assert reverse("console:return", args=[shops["a_requested"].pk]) in page


def test_a_filter_the_list_does_not_have_is_a_400(anna, shops):
    response = anna.get(reverse("console:returns"), {"warehouse__secret": "1"})

    assert response.status_code == 400
    assert "cannot be filtered" in response.content.decode()


def test_another_clients_return_and_refund_are_404(anna, shops):
    other = shops["b_refunded"]

    assert anna.get(reverse("console:return", args=[other.pk])).status_code == 404
    assert anna.get(reverse("console:refund", args=[other.refunds.get().pk])).status_code == 404


def test_the_return_page_shows_units_grades_dispositions_refund_and_timeline_without_notes(anna, shops, staff):
    rma = shops["a_refunded"]
    add_note(rma=rma, actor=staff.customer_service, text="Customer sounded angry, watch out")

    page = anna.get(reverse("console:return", args=[rma.pk])).content.decode()

    refund = rma.refunds.get()
    assert "A – like new" in page
    assert rma.items.first().disposition.get_action_display() in page
    assert format_money(refund.amount, refund.currency) in page
    assert "Received → Inspected" in page
    assert "Customer sounded angry" not in page
    assert staff.customer_service.username not in page


def test_the_refunds_list_and_detail_show_the_clients_refunds_only(anna, shops):
    own, other = shops["a_refunded"].refunds.get(), shops["b_refunded"].refunds.get()

    listing = anna.get(reverse("console:refunds")).content.decode()
    detail = anna.get(reverse("console:refund", args=[own.pk])).content.decode()

    assert reverse("console:refund", args=[own.pk]) in listing
    assert reverse("console:refund", args=[other.pk]) not in listing
    assert format_money(own.amount, own.currency) in detail
    assert "PSP-1" in detail


def test_the_report_counts_the_clients_returns_of_the_month(anna, shops):
    page = anna.get(reverse("console:reports")).content.decode()

    assert "2 returns requested" in page
    assert shops["a_refunded"].items.first().order_line.sku in page
    assert shops["b"].name not in page
    assert shops["b_refunded"].items.first().order_line.sku not in page


def test_a_month_that_is_no_month_is_a_400(anna, shops):
    assert anna.get(reverse("console:reports"), {"month": "soon"}).status_code == 400


def test_the_console_changes_nothing_when_posted_to(anna, shops):
    events = ReturnEvent.objects.count()
    states = list(ReturnRequest.objects.values_list("state", flat=True).order_by("pk"))

    for name, args in [("returns", []), ("return", [shops["a_requested"].pk]), ("refunds", []),
                       ("refund", [shops["a_refunded"].refunds.get().pk]), ("reports", [])]:
        assert anna.post(reverse(f"console:{name}", args=args), {"state": "cancelled"}).status_code == 405

    assert ReturnEvent.objects.count() == events
    assert list(ReturnRequest.objects.values_list("state", flat=True).order_by("pk")) == states


@pytest.mark.parametrize("name", ["returns", "refunds"])
def test_a_list_costs_the_same_queries_however_many_rows(anna, shops, staff, name, django_assert_max_num_queries):
    anna.get(reverse(f"console:{name}"))
    for _ in range(3):
        return_in_state("refunded", staff=staff, client=shops["a"])

    with django_assert_max_num_queries(8):
        assert anna.get(reverse(f"console:{name}")).status_code == 200


def test_the_return_page_costs_a_fixed_number_of_queries(anna, shops, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        anna.get(reverse("console:return", args=[shops["a_refunded"].pk]))
