"""correct_order_line and the order page: a line no return claims is corrected with a reason and a history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import DomainError, InvalidInput, PermissionRefused
from rma import services as rma_services
from rma.models import OrderCorrection, OrderLine, ReturnState
from tests.factories import client_with_policy, order_for, return_in_state


def fresh(line: OrderLine) -> OrderLine:
    return OrderLine.objects.get(pk=line.pk)


def unclaimed_line() -> OrderLine:
    return order_for(client_with_policy(), unit_price="59.90").lines.get()


def test_a_correction_changes_the_line_and_keeps_each_field_before_and_after(staff):
    line = unclaimed_line()

    rma_services.correct_order_line(
        line=line, actor=staff.manager, reason="Price sent before the discount", unit_price=Decimal("49.90"),
        quantity=1,
    )

    assert (fresh(line).unit_price, fresh(line).quantity) == (Decimal("49.90"), 1)
    history = list(line.corrections.values_list("field", "old_value", "new_value", "reason", "corrected_by"))
    assert sorted(history) == [
        ("quantity", "2", "1", "Price sent before the discount", staff.manager.pk),
        ("unit_price", "59.900", "49.90", "Price sent before the discount", staff.manager.pk),
    ]


def test_giving_the_same_values_changes_nothing(staff):
    line = unclaimed_line()

    rma_services.correct_order_line(line=line, actor=staff.manager, reason="Checked", quantity=line.quantity)

    assert not OrderCorrection.objects.exists()


@pytest.mark.parametrize("state", [ReturnState.REQUESTED, ReturnState.EXPIRED, ReturnState.REFUNDED])
def test_a_line_a_return_claims_is_never_corrected(state, staff):
    rma = return_in_state(state, staff=staff, units=1)
    line = rma.items.get().order_line

    with pytest.raises(DomainError, match="proof of purchase"):
        rma_services.correct_order_line(line=line, actor=staff.manager, reason="Typo", unit_price=Decimal("1"))

    assert fresh(line).unit_price == line.unit_price and not OrderCorrection.objects.exists()


def test_a_line_of_a_cancelled_return_may_be_corrected_again(staff):
    rma = return_in_state(ReturnState.CANCELLED, staff=staff, units=1)
    line = rma.items.get().order_line

    rma_services.correct_order_line(line=line, actor=staff.manager, reason="Typo", unit_price=Decimal("10.00"))

    assert fresh(line).unit_price == Decimal("10.00")


@pytest.mark.parametrize(("changes", "message"), [
    ({"unit_price": Decimal("-1")}, "unit price"),
    ({"unit_price": Decimal("1.005")}, "decimals"),
    ({"quantity": 0}, "quantity"),
    ({"line_number": 7}, "cannot be corrected"),
    ({"order": None}, "cannot be corrected"),
])
def test_bad_corrections_are_refused_and_change_nothing(changes, message, staff):
    line = unclaimed_line()

    with pytest.raises(InvalidInput, match=message):
        rma_services.correct_order_line(line=line, actor=staff.manager, reason="Typo", **changes)

    assert fresh(line).unit_price == Decimal("59.90") and not OrderCorrection.objects.exists()


def test_a_correction_needs_a_reason(staff):
    with pytest.raises(InvalidInput, match="why"):
        rma_services.correct_order_line(line=unclaimed_line(), actor=staff.manager, reason=" ", quantity=1)


@pytest.mark.parametrize("group", ["customer_service", "finance", "dock"])
def test_only_managers_correct_orders(group, staff):
    with pytest.raises(PermissionRefused):
        rma_services.correct_order_line(line=unclaimed_line(), actor=getattr(staff, group), reason="x", quantity=1)


# -- the order page ------------------------------------------------------------------------------


def test_the_order_page_is_read_only_and_offers_a_correction_per_line(client, staff):
    line = unclaimed_line()
    client.force_login(staff.manager)
    page_url = reverse("admin:rma_order_change", args=[line.order_id])

    page = client.get(page_url).content.decode()
    client.post(page_url, {"number": "CHANGED", "currency": "USD"})

    assert reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk]) in page
    assert 'name="lines-0-unit_price"' not in page
    assert line.order.__class__.objects.get(pk=line.order_id).number == line.order.number


def test_the_correction_form_corrects_through_the_service(client, staff):
    line = unclaimed_line()
    client.force_login(staff.manager)
    url = reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk])

    response = client.post(url, {"sku": line.sku, "description": "", "category": "", "quantity": 2,
                                 "unit_price": "49.90", "serial_numbers": "[]", "reason": "Discount missing"})

    assert response.status_code == 302 and fresh(line).unit_price == Decimal("49.90")
    assert "Discount missing" in client.get(response.url).content.decode()


def test_the_correction_form_says_why_a_claimed_line_is_refused(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    line = rma.items.get().order_line
    client.force_login(staff.manager)
    url = reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk])

    response = client.post(url, {"sku": line.sku, "quantity": line.quantity, "unit_price": "1.00",
                                 "serial_numbers": "[]", "reason": "Typo"})

    assert response.status_code == 200 and "proof of purchase of return" in response.content.decode()
    assert fresh(line).unit_price == line.unit_price


def test_customer_service_may_not_open_the_correction_form(client, staff):
    line = unclaimed_line()
    client.force_login(staff.customer_service)

    response = client.get(reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk]))

    assert response.status_code == 403


def test_the_order_page_names_the_return_claiming_a_line_and_shows_money_in_its_currency(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=1)
    line = rma.items.get().order_line
    client.force_login(staff.manager)

    page = client.get(reverse("admin:rma_order_change", args=[line.order_id])).content.decode()

    assert f"claimed by return {rma.ran}" in page
    assert reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk]) not in page
    assert "50.00 EUR" in page and "50.000" not in page


@pytest.mark.parametrize("lines", [1, 20])
def test_the_order_page_runs_a_constant_number_of_queries(lines, client, staff, django_assert_max_num_queries):
    order = order_for(client_with_policy(), lines=lines)
    client.force_login(staff.manager)

    with django_assert_max_num_queries(16):
        client.get(reverse("admin:rma_order_change", args=[order.pk]))
