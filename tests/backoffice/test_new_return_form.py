"""Entering a request for a customer: finding the order however it is read out, and how many units may come back."""

from django.urls import reverse

from rma.models import ReturnRequest
from tests.factories import CustomerFactory, client_with_policy, order_for, requested_return

NEW_RETURN = reverse("admin:rma_returnrequest_add")


def look_up(client, merchant, reference: str):
    return client.get(NEW_RETURN, {"client": merchant.pk, "order_number": reference})


def test_an_order_is_found_by_its_number_ignoring_case_and_separators(client, staff):
    merchant = client_with_policy()
    order = order_for(merchant, number="HW-2026/0042")
    order_for(merchant, number="HW-2026/0043")
    client.force_login(staff.customer_service)

    for typed in ("hw-2026/0042", "HW 2026 0042", "hw20260042", " HW/2026-0042 "):
        assert look_up(client, merchant, typed).context["order"] == order, typed


def test_an_order_is_found_by_the_customers_email(client, staff):
    merchant = client_with_policy()
    customer = CustomerFactory(client=merchant, email="zoe@example.com")
    order = order_for(merchant, customer=customer)
    order_for(merchant)  # another customer's
    client.force_login(staff.customer_service)

    assert look_up(client, merchant, "  Zoe@Example.com ").context["order"] == order


def test_a_customer_with_several_orders_picks_one_from_a_list(client, staff):
    merchant = client_with_policy()
    customer = CustomerFactory(client=merchant, email="zoe@example.com")
    orders = [order_for(merchant, customer=customer) for _ in range(2)]
    client.force_login(staff.customer_service)

    response = look_up(client, merchant, "zoe@example.com")

    assert response.context["order"] is None and response.context["form"] is None
    assert set(response.context["matches"]) == set(orders)
    page = response.content.decode()
    assert all(f"order_number={order.number}" in page for order in orders)


def test_an_unknown_email_is_reported(client, staff):
    merchant = client_with_policy()
    client.force_login(staff.customer_service)

    assert "has no orders of a customer nobody@example.com" in look_up(
        client, merchant, "nobody@example.com").content.decode()


def test_an_order_of_another_client_is_not_found(client, staff):
    merchant, other = client_with_policy(), client_with_policy()
    order = order_for(other, number="X-1")
    client.force_login(staff.customer_service)

    assert look_up(client, merchant, order.number).context["order"] is None


def test_the_form_shows_units_delivered_and_already_returned(client, staff):
    merchant = client_with_policy(auto_authorize=False)
    order = order_for(merchant, quantity=3)
    requested_return(order=order, units=2, staff=staff)
    client.force_login(staff.customer_service)

    response = look_up(client, merchant, order.number)

    row = response.context["form"].line_rows()[0]
    assert (row["line"].quantity, row["returned"], row["returnable"]) == (3, 2, 1)
    page = response.content.decode()
    assert "Already returned" in page and '<td class="num">3</td><td class="num">2</td>' in page


def test_more_units_than_remain_returnable_is_a_form_error_on_that_line(client, staff):
    merchant = client_with_policy(auto_authorize=False)
    order = order_for(merchant, quantity=3)
    requested_return(order=order, units=2, staff=staff)
    line = order.lines.get()
    client.force_login(staff.customer_service)

    response = client.post(f"{NEW_RETURN}?client={merchant.pk}&order_number={order.number}", {
        "channel": "phone", "refund_method": "original_payment", f"quantity_{line.pk}": "2",
        f"reason_{line.pk}": "defective",
    })

    form = response.context["form"]
    assert response.status_code == 200 and not form.non_field_errors()
    assert form.errors[f"quantity_{line.pk}"] == [
        "Only 1 more can come back: 3 delivered, 2 already on other returns."
    ]
    assert ReturnRequest.objects.filter(order=order).count() == 1


def test_more_units_than_delivered_is_refused_with_its_own_message(client, staff):
    merchant = client_with_policy()
    order = order_for(merchant, quantity=1)
    line = order.lines.get()
    client.force_login(staff.customer_service)

    response = client.post(f"{NEW_RETURN}?client={merchant.pk}&order_number={order.number}", {
        "channel": "phone", "refund_method": "original_payment", f"quantity_{line.pk}": "5",
        f"reason_{line.pk}": "defective",
    })

    assert response.context["form"].errors[f"quantity_{line.pk}"] == ["Only 1 delivered: 5 cannot come back."]
