"""The API finds an order the client never imported by asking the client's own system
(rma.services.find_order), over real HTTP to a server on 127.0.0.1 started by the test."""

import pytest

from rma import services as rma_services
from rma.models import Client, Order, ReturnRequest
from tests.api.conftest import KeyHolder
from tests.outbox.receiver import Answer
from tests.rma.order_lookup import order_answer


@pytest.fixture
def looked_up_shop(db, receiver, facility) -> KeyHolder:
    """A merchant whose system answers order lookups at the receiver, signed with a secret a manager made."""
    shop = KeyHolder(auto_authorize=False)
    Client.objects.filter(pk=shop.client.pk).update(order_lookup_url=receiver.url)
    shop.client.refresh_from_db()
    rma_services.generate_webhook_secret(client=shop.client, actor=facility.manager)
    return shop


def test_reading_an_order_never_imported_fetches_it_from_the_clients_system(looked_up_shop, receiver):
    receiver.answers = [Answer(body=order_answer())]

    response = looked_up_shop.api.get("/api/v1/orders/KE-1001/")

    assert response.status_code == 200, response.json()
    assert [line["sku"] for line in response.json()["lines"]] == ["KE-TEE", "KE-WATCH"]
    assert Order.objects.filter(client=looked_up_shop.client, number="KE-1001").count() == 1


def test_a_return_of_an_order_never_imported_is_opened_after_the_lookup(looked_up_shop, receiver):
    receiver.answers = [Answer(body=order_answer())]

    response = looked_up_shop.api.post("/api/v1/returns/", {
        "order_number": "KE-1001", "items": [{"line_number": 1, "quantity": 1, "reason": "size_fit"}],
    }, format="json")

    assert response.status_code == 201, response.json()
    assert ReturnRequest.objects.get(pk=response.json()["id"]).order.number == "KE-1001"


def test_an_order_the_clients_system_does_not_know_is_a_404(looked_up_shop, receiver):
    receiver.answers = [Answer(status=404, body={})]

    response = looked_up_shop.api.get("/api/v1/orders/KE-9999/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_clients_system_that_cannot_answer_is_a_503_to_retry_and_imports_nothing(looked_up_shop, receiver):
    receiver.answers = [Answer(status=500, body={})]

    response = looked_up_shop.api.get("/api/v1/orders/KE-1001/")

    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "order_lookup_unavailable"
    assert "KE-1001" in response.json()["message"]
    assert not Order.objects.filter(client=looked_up_shop.client).exists()
