"""The portal finds an order the client never imported by asking the client's system (rma.services.find_order),
over real HTTP to a server on 127.0.0.1; a system that cannot answer gets a plain message, never a guess."""

import pytest
from django.core.cache import cache
from django.test import Client as Browser

from rma.models import Client, Order
from tests.outbox.receiver import Answer
from tests.rma.order_lookup import order_answer


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(merchant, receiver) -> Client:
    Client.objects.filter(pk=merchant.pk).update(order_lookup_url=receiver.url)
    merchant.refresh_from_db()
    return merchant


def look_up(shop, email="mia.lang@example.com", number="KE-1001"):
    return Browser().post(f"/returns/{shop.code}/", {"order_number": number, "email": email})


def test_an_order_known_only_to_the_clients_system_is_fetched_and_opens_the_return_form(shop, receiver):
    receiver.answers = [Answer(body=order_answer())]

    response = look_up(shop)

    assert response.status_code == 302 and response["Location"].endswith(f"/returns/{shop.code}/order/")
    assert Order.objects.get(client=shop).number == "KE-1001"


def test_a_fetched_order_with_another_email_gets_the_same_answer_as_an_unknown_one(shop, receiver):
    receiver.answers = [Answer(body=order_answer()), Answer(status=404, body={})]

    wrong_email = look_up(shop, email="someone@example.com")
    unknown = look_up(shop, number="KE-9999")

    assert wrong_email.status_code == unknown.status_code == 200
    assert "could not find an order" in wrong_email.content.decode()
    assert "could not find an order" in unknown.content.decode()


def test_a_client_system_that_is_down_is_said_so_and_nothing_is_imported(shop, receiver):
    receiver.answers = [Answer(status=503, body={})]

    response = look_up(shop)

    assert response.status_code == 503
    assert "cannot look up orders right now" in response.content.decode()
    assert not Order.objects.filter(client=shop).exists()
