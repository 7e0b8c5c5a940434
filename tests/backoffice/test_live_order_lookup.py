"""Customer service finds an order the client never sent us: the client's system is asked live, and when it
cannot answer the screen says so; a manager sets where the client's system answers."""

import pytest
from django.urls import reverse

from rma.models import Client, Order
from tests.outbox.receiver import Answer
from tests.rma.order_lookup import order_answer

NEW_RETURN = reverse("admin:rma_returnrequest_add")


@pytest.fixture
def shop(merchant, receiver) -> Client:
    Client.objects.filter(pk=merchant.pk).update(order_lookup_url=receiver.url)
    merchant.refresh_from_db()
    return merchant


def look_up(client, merchant, reference: str):
    return client.get(NEW_RETURN, {"client": merchant.pk, "order_number": reference})


def test_an_order_only_the_clients_system_knows_opens_the_new_return_form(client, staff, shop, receiver):
    receiver.answers = [Answer(body=order_answer())]
    client.force_login(staff.customer_service)

    response = look_up(client, shop, "KE-1001")

    assert response.status_code == 200 and response.context["order"].number == "KE-1001"
    page = response.content.decode()
    assert "Units coming back from order KE-1001" in page and "KE-WATCH" in page
    assert f"{shop.name}'s system gave it just now" in page
    assert Order.objects.filter(client=shop, number="KE-1001").exists()


def test_an_order_asked_of_the_clients_system_once_is_then_found_as_imported(client, staff, shop, receiver):
    receiver.answers = [Answer(body=order_answer())]
    client.force_login(staff.customer_service)
    look_up(client, shop, "KE-1001")

    again = look_up(client, shop, "ke 1001")

    assert again.context["order"].number == "KE-1001" and "gave it just now" not in again.content.decode()
    assert len(receiver.received) == 1


def test_a_system_that_cannot_answer_is_said_plainly_on_the_screen(client, staff, shop, receiver):
    receiver.answers = [Answer(status=503)]
    client.force_login(staff.customer_service)

    response = look_up(client, shop, "KE-1001")

    assert response.status_code == 200 and response.context["order"] is None
    page = response.content.decode()
    assert f"We could not look up order KE-1001 in {shop.name}&#x27;s system: it answered HTTP 503." in page
    assert "Try again later" in page


def test_an_order_the_clients_system_does_not_know_is_reported_as_unknown(client, staff, shop, receiver):
    receiver.answers = [Answer(status=404)]
    client.force_login(staff.customer_service)

    assert f"{shop.name} has no order KE-404." in look_up(client, shop, "KE-404").content.decode()


def test_an_email_is_never_asked_of_the_clients_system(client, staff, shop, receiver):
    client.force_login(staff.customer_service)

    look_up(client, shop, "mia@example.com")

    assert receiver.received == []


def client_change_data(client, merchant, **changes) -> dict:
    """What the client's admin page posts when a manager changes only `changes`."""
    context = client.get(reverse("admin:rma_client_change", args=[merchant.pk])).context
    data = {**{name: value for name, value in context["adminform"].form.initial.items() if value is not None},
            "default_warehouse": merchant.default_warehouse_id, **changes}
    for inline in context["inline_admin_formsets"]:
        data.update({f"{inline.formset.prefix}-TOTAL_FORMS": "0", f"{inline.formset.prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_manager_sets_the_order_lookup_url(client, staff, merchant):
    client.force_login(staff.manager)
    page = client.get(reverse("admin:rma_client_change", args=[merchant.pk])).content.decode()

    response = client.post(reverse("admin:rma_client_change", args=[merchant.pk]),
                           client_change_data(client, merchant, order_lookup_url="http://127.0.0.1:9/orders"))

    assert "Order lookup URL" in page and "never imported" in page
    assert response.status_code == 302
    assert Client.objects.get(pk=merchant.pk).order_lookup_url == "http://127.0.0.1:9/orders"


def test_an_order_lookup_url_to_a_private_address_is_refused_in_the_form(client, staff, merchant, settings):
    settings.OUTBOX_ALLOW_PRIVATE_URLS = False
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_client_change", args=[merchant.pk]),
                           client_change_data(client, merchant, order_lookup_url="https://10.1.2.3/orders",
                                              webhook_url=""))

    assert response.status_code == 200
    assert "private address" in str(response.context["adminform"].form.errors["order_lookup_url"])
    assert "https, to a public address" in response.content.decode()
    assert Client.objects.get(pk=merchant.pk).order_lookup_url == ""


def test_customer_service_sees_the_order_lookup_url_but_cannot_change_it(client, staff, shop):
    client.force_login(staff.customer_service)

    page = client.get(reverse("admin:rma_client_change", args=[shop.pk]))
    refused = client.post(reverse("admin:rma_client_change", args=[shop.pk]),
                          {"order_lookup_url": "https://evil.example/orders"})

    assert page.status_code == 200 and shop.order_lookup_url in page.content.decode()
    assert refused.status_code == 403 and Client.objects.get(pk=shop.pk).order_lookup_url == shop.order_lookup_url
