import copy

import pytest

from api import examples
from rma.models import Order
from tests.factories import order_for

ORDER = examples.ORDER


def test_a_client_creates_an_order_and_reads_it_back(shop):
    created = shop.api.post("/api/v1/orders/", ORDER, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["number"] == "HW-10023"
    assert created.json()["lines"][0]["unit_price"] == "129.900"
    order = Order.objects.get(client=shop.client, number="HW-10023")
    assert order.customer.email == "anna@example.com"
    assert order.lines.get().sku == "JKT-RAIN-M"

    read = shop.api.get("/api/v1/orders/HW-10023/")
    assert read.status_code == 200
    assert read.json()["customer"]["city"] == "Hamburg"
    assert read.json()["customer"]["email"] == "anna@example.com"


def test_the_same_number_twice_is_refused_clearly(shop):
    assert shop.api.post("/api/v1/orders/", ORDER, format="json").status_code == 201
    again = shop.api.post("/api/v1/orders/", ORDER, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_order"
    assert "HW-10023" in again.json()["message"]


def test_another_clients_order_is_not_found(shop, other_shop):
    theirs = order_for(other_shop.client)
    response = shop.api.get(f"/api/v1/orders/{theirs.number}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_two_clients_may_use_the_same_order_number(shop, other_shop):
    assert shop.api.post("/api/v1/orders/", ORDER, format="json").status_code == 201
    assert other_shop.api.post("/api/v1/orders/", ORDER, format="json").status_code == 201


@pytest.mark.parametrize(("change", "field"), [
    (lambda o: o.pop("lines"), "lines"),
    (lambda o: o.update(number="x" * 65), "number"),
    (lambda o: o.update(surprise=1), "surprise"),
    (lambda o: o["customer"].update(email="not an email"), "customer.email"),
    (lambda o: o["lines"][0].update(quantity="two"), "lines[0].quantity"),
    (lambda o: o["lines"][0].update(colour="red"), "lines[0].colour"),
    (lambda o: o["lines"][0].update(unit_price=12.5), "lines[0].unit_price"),
    (lambda o: o["lines"][0].update(sku="S" * 100_000), "lines[0].sku"),
    (lambda o: o.update(customer="anna@example.com"), "customer"),
    (lambda o: o.update(currency="euro"), "currency"),
    (lambda o: o.update(lines=[]), "lines"),
    (lambda o: o.update(ordered_at="yesterday"), "ordered_at"),
])
def test_bad_input_is_a_400_naming_the_field(shop, change, field):
    order = copy.deepcopy(ORDER)
    change(order)
    response = shop.api.post("/api/v1/orders/", order, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert field in response.json()["fields"]
    assert not Order.objects.filter(client=shop.client).exists()


def test_the_order_files_rules_apply_too(shop):
    order = copy.deepcopy(ORDER)
    order["lines"][0]["unit_price"] = "129.999"  # EUR has two decimals
    order["ordered_at"] = "2099-01-01T00:00:00Z"
    response = shop.api.post("/api/v1/orders/", order, format="json")
    assert response.status_code == 400
    assert {"lines[0].unit_price", "ordered_at", "delivered_at"} == set(response.json()["fields"])


def test_malformed_json_is_a_400(shop):
    response = shop.api.post("/api/v1/orders/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_a_body_that_is_not_an_object_is_a_400_and_a_huge_one_a_413(shop):
    assert shop.api.post("/api/v1/orders/", [1, 2], format="json").json()["fields"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    huge = shop.api.post("/api/v1/orders/", {"number": "x" * 3_000_000}, format="json")
    assert huge.status_code == 413
    assert huge.json()["code"] == "request_too_large"
