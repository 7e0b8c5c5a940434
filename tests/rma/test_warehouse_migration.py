"""rma 0006: returns authorized before warehouses were routed go to their client's default warehouse."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rma.models import Client, ReturnRequest

BEFORE = [("rma", "0005_order_corrections_and_notes")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def returns_written_before(returns: dict[str, dict], apps) -> dict[str, int]:
    """One return per entry (name: its fields) of one client, written as rows before rma 0006; their ids."""
    Warehouse = apps.get_model("rma", "Warehouse")
    Client = apps.get_model("rma", "Client")
    Customer = apps.get_model("rma", "Customer")
    Order = apps.get_model("rma", "Order")
    ReturnPolicy = apps.get_model("rma", "ReturnPolicy")
    ReturnRequest = apps.get_model("rma", "ReturnRequest")
    now = timezone.now()
    client = Client.objects.create(code="old", name="Old client", default_warehouse=Warehouse.objects.create(
        code="old1", name="Old warehouse"
    ))
    customer = Customer.objects.create(client=client, email="old@example.com")
    policy = ReturnPolicy.objects.create(client=client, version=1, accepted_reasons=["defective"])
    ids = {}
    for number, (name, fields) in enumerate(returns.items()):
        order = Order.objects.create(client=client, customer=customer, number=f"OLD-{number}", ordered_at=now,
                                     payment_method="card")
        ids[name] = ReturnRequest.objects.create(
            client=client, order=order, customer=customer, policy=policy, channel="phone",
            refund_method="original_payment", requested_at=now, state_entered_at=now, **fields,
        ).pk
    return ids


def test_authorized_or_later_returns_are_routed_to_their_clients_default_and_the_others_stay_unrouted():
    migrate(BEFORE)
    apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    authorized = {"authorized_at": timezone.now() - dt.timedelta(days=2)}
    ids = returns_written_before({
        "requested": {"state": "requested"},
        "rejected": {"state": "rejected"},
        "cancelled before authorization": {"state": "cancelled"},
        "cancelled after authorization": {"state": "cancelled", **authorized},
        "authorized": {"state": "authorized", **authorized},
        "expired": {"state": "expired", **authorized},
        "refunded": {"state": "refunded", **authorized},
    }, apps)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    default = Client.objects.get(code="old").default_warehouse_id
    routed = dict(ReturnRequest.objects.filter(pk__in=ids.values()).values_list("pk", "warehouse_id"))
    assert {name: routed[pk] for name, pk in ids.items()} == {
        "requested": None, "rejected": None, "cancelled before authorization": None,
        "cancelled after authorization": default, "authorized": default, "expired": default, "refunded": default,
    }
