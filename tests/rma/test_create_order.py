import datetime as dt
from decimal import Decimal

import pytest

from core.actors import ClientActor
from core.errors import DomainError, PermissionRefused
from rma import services
from rma.models import Customer
from rma.services.order_entry import InvalidOrder
from tests.factories import client_account, client_with_policy, user_in

ORDERED = dt.datetime(2026, 11, 20, 10, 15, tzinfo=dt.UTC)


def _order(client, actor, **fields):
    values = {
        "number": "HW-1", "customer": {"email": "Anna@Example.com", "name": "Anna"}, "ordered_at": ORDERED,
        "payment_method": "card", "currency": "EUR",
        "lines": [{"line_number": 1, "sku": "JKT", "quantity": 2, "unit_price": Decimal("10.00")}],
    }
    return services.create_order(client=client, actor=actor, **{**values, **fields})


def test_a_manager_or_the_clients_account_creates_an_order(db):
    client = client_with_policy()
    order = _order(client, user_in("manager"))
    assert order.lines.get().unit_price == Decimal("10.00")
    assert order.customer.email == "anna@example.com"  # as the order file normalises it
    account = client_account(client)
    _order(client, ClientActor(user=account, client=client), number="HW-2")
    assert Customer.objects.filter(client=client).count() == 1


def test_a_duplicate_number_is_refused(db):
    client = client_with_policy()
    _order(client, user_in("manager"))
    with pytest.raises(DomainError, match="already has an order HW-1"):
        _order(client, user_in("manager"))


def test_who_may_not_create_orders(db):
    client, other = client_with_policy(), client_with_policy()
    with pytest.raises(PermissionRefused):
        _order(client, user_in("dock"))
    account = client_account(other)
    with pytest.raises(PermissionRefused):
        _order(client, ClientActor(user=account, client=other))


def test_the_order_files_rules_name_each_field(db):
    with pytest.raises(InvalidOrder) as refused:
        _order(client_with_policy(), user_in("manager"), currency="EURO", customer={"email": "nope"},
               lines=[{"line_number": 1, "sku": "", "quantity": 1, "unit_price": Decimal("1")}])
    assert set(refused.value.fields) == {"currency", "customer.email", "lines[0].sku"}
