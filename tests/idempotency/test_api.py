"""Idempotency-Key through the real API: a client's system that retries a create makes one order or return."""

import threading

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from api import examples
from idempotency.models import IdempotencyKey
from outbox.models import Message
from rma.models import Order, ReturnEvent, ReturnRequest
from tests.api.conftest import KeyHolder
from tests.factories import order_for


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


@pytest.fixture
def shop(db) -> KeyHolder:
    return KeyHolder(auto_authorize=True)


def create_order(holder: KeyHolder, key: str = "order-HW-10023", body=examples.ORDER, api: APIClient | None = None):
    return (api or holder.api).post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def open_return(holder: KeyHolder, order: Order, key: str = "return-1"):
    body = {"order_number": order.number, "items": [{"line_number": 1, "quantity": 1, "reason": "size_fit"}]}
    return holder.api.post("/api/v1/returns/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_order_create_makes_one_order_and_answers_the_same_bytes(shop):
    first, again = create_order(shop), create_order(shop)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(client=shop.client).count() == 1


def test_a_retried_return_create_makes_one_return_with_one_ran_and_one_set_of_messages(shop):
    order = order_for(shop.client)
    first = open_return(shop, order)
    events, messages = ReturnEvent.objects.count(), Message.objects.count()
    again = open_return(shop, order)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert first.json()["state"] == "authorized" and first.json()["ran"]
    assert ReturnRequest.objects.filter(order=order).count() == 1
    assert (ReturnEvent.objects.count(), Message.objects.count()) == (events, messages)


def test_a_retried_cancel_answers_as_the_first_did_instead_of_refusing_a_cancelled_return(shop):
    rma_id = open_return(shop, order_for(shop.client)).json()["id"]
    cancel = {"reason": "The customer keeps it."}
    first = shop.api.post(f"/api/v1/returns/{rma_id}/cancel/", cancel, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = shop.api.post(f"/api/v1/returns/{rma_id}/cancel/", cancel, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    fresh = shop.api.post(f"/api/v1/returns/{rma_id}/cancel/", cancel, format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    assert fresh.status_code == 409


def test_the_same_key_for_another_order_is_a_422_and_creates_nothing(shop):
    create_order(shop)
    other = {**examples.ORDER, "number": "HW-10024"}
    reused = create_order(shop, body=other)
    assert reused.status_code == 422
    assert reused.json() == {
        "code": "idempotency_key_reused", "fields": {},
        "message": "This Idempotency-Key was already used for a different request; send a new key for a new request.",
    }
    assert not Order.objects.filter(number="HW-10024").exists()


def test_two_clients_keys_never_meet(shop):
    other = KeyHolder(auto_authorize=True)
    assert create_order(shop).status_code == create_order(other).status_code == 201
    assert Order.objects.filter(number="HW-10023").count() == 2


def test_a_refused_create_is_replayed_and_a_bad_key_is_a_400(shop):
    broken = {**examples.ORDER, "lines": []}
    first, again = create_order(shop, body=broken), create_order(shop, body=broken)
    assert first.status_code == again.status_code == 400
    assert again.content == first.content
    bad = create_order(shop, key="x" * 256)
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["fields"]
    assert not Order.objects.exists()


def test_a_body_too_large_to_keep_is_a_413_in_the_apis_shape(shop, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    answer = create_order(shop)
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large"
    assert not Order.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_wrong_api_key_is_a_401_before_any_idempotency_key_is_looked_at(shop):
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert create_order(shop, api=stranger).status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the groups of the migrations survive
def test_a_retry_while_the_first_create_waits_on_the_database_is_a_409(postgres_only):
    shop = KeyHolder(auto_authorize=True)
    # Another session holds the orders table, so the first create waits inside its transaction.
    locker = connections.create_connection("default")
    locker.set_autocommit(False)
    with locker.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Order._meta.db_table} IN EXCLUSIVE MODE")  # nosemgrep: raw-sql-built-from-strings
    result = {}

    def first_create():
        try:
            result["response"] = create_order(shop, api=keyed_client(shop))
        finally:
            connections.close_all()

    first = threading.Thread(target=first_create)
    first.start()
    try:
        wait_for_claim()
        meanwhile = create_order(shop, api=keyed_client(shop))
        assert meanwhile.status_code == 409
        assert meanwhile.json()["code"] == "idempotency_key_in_use"
    finally:
        locker.commit()
        locker.close()
        first.join(timeout=30)
    assert result["response"].status_code == 201
    later = create_order(shop, api=keyed_client(shop))
    assert later.status_code == 201 and later.content == result["response"].content
    assert Order.objects.filter(client=shop.client).count() == 1


def keyed_client(holder: KeyHolder) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {holder.key}")
    return api


def wait_for_claim() -> None:
    for _ in range(200):
        if IdempotencyKey.objects.exists():
            return
        threading.Event().wait(0.05)
    pytest.fail("the first request never claimed its key")
