"""Test data: factories for the given, and helpers that walk a return to a state through services."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from disposition import services as disposition_services
from disposition.models import DispositionRule
from inspection import services as inspection_services
from refunds import services as refund_services
from rma import ran as ran_codes
from rma import services as rma_services
from rma.models import (
    Client,
    ClientAccount,
    Customer,
    Order,
    OrderLine,
    Reason,
    ReturnPolicy,
    ReturnRequest,
    ReturnState,
    Warehouse,
    WarehouseAssignment,
    WarehouseRoute,
)

ALL_REASONS = list(Reason.values)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"wh{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    address_line1 = "1 Dock Road"
    city = "Leipzig"
    postal_code = "04109"
    country = "DE"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"client{n}")
    name = factory.Sequence(lambda n: f"Client {n}")
    time_zone = "Europe/Berlin"
    default_warehouse = factory.SubFactory(WarehouseFactory)


class WarehouseRouteFactory(factory.django.DjangoModelFactory):
    """A client's route: parcels from `country` (the customers' DE by default) go to `warehouse`."""

    class Meta:
        model = WarehouseRoute

    client = factory.SubFactory(ClientFactory)
    country = "DE"
    warehouse = factory.SubFactory(WarehouseFactory)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnPolicy

    client = factory.SubFactory(ClientFactory)
    version = factory.LazyAttribute(lambda p: p.client.policies.count() + 1)
    window_days = 30
    accepted_reasons = factory.LazyFunction(lambda: list(ALL_REASONS))
    refund_methods = factory.LazyFunction(lambda: ["original_payment", "store_credit"])
    auto_authorize = True
    ran_validity_days = 30


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    client = factory.SubFactory(ClientFactory)
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Sequence(lambda n: f"Customer {n}")
    address_line1 = factory.Sequence(lambda n: f"{n + 1} Linden Street")
    city = "Hamburg"
    postal_code = "20095"
    country = "DE"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    client = factory.SubFactory(ClientFactory)
    customer = factory.SubFactory(CustomerFactory, client=factory.SelfAttribute("..client"))
    number = factory.Sequence(lambda n: f"ORD-{n:05d}")
    ordered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=5))
    delivered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    payment_method = "card"
    payment_reference = factory.Sequence(lambda n: f"pay_{n}")
    currency = "EUR"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    description = "Trail running shoe"
    category = "shoes"
    quantity = 2
    unit_price = Decimal("50.00")


class DispositionRuleFactory(factory.django.DjangoModelFactory):
    """A client's disposition rule; give it `forced_action` or `allowed_actions`, and its conditions."""

    class Meta:
        model = DispositionRule

    client = factory.SubFactory(ClientFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Rule {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        rule = model_class(*args, **kwargs)
        rule.full_clean()  # as the admin would: a rule forces one action or lists the allowed ones
        rule.save()
        return rule


def user_in(group: str, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or f"{group}-{User.objects.count()}", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def assigned(user: User, warehouse: Warehouse) -> User:
    """The staff member, now working at `warehouse`."""
    WarehouseAssignment.objects.create(user=user, warehouse=warehouse)
    return user


def client_account(client: Client) -> User:
    user = User.objects.create_user(username=f"api-{client.code}", password="x")
    user.groups.add(Group.objects.get(name="client_api"))
    ClientAccount.objects.create(user=user, client=client)
    return User.objects.get(pk=user.pk)


def client_with_policy(**policy_fields) -> Client:
    client = ClientFactory()
    PolicyFactory(client=client, **policy_fields)
    return client


def order_for(client: Client, *, lines: int = 1, quantity: int = 2, unit_price: str = "50.00", **fields) -> Order:
    order = OrderFactory(client=client, **fields)
    for number in range(1, lines + 1):
        OrderLineFactory(order=order, line_number=number, quantity=quantity, unit_price=Decimal(unit_price))
    return order


def order_row(**cells) -> dict:
    """One row of an order import file as a CSV gives it (every cell text), for client `hafenwerk`."""
    row = {
        "client_code": "hafenwerk", "order_number": "HW-1", "customer_email": "anna@example.com",
        "customer_name": "Anna Schmidt", "phone": "+49 40 5550 1234", "address_line1": "Elbchaussee 12",
        "address_line2": "", "city": "Hamburg", "region": "", "postal_code": "22763", "country": "DE",
        "ordered_at": "2026-03-02", "delivered_at": "2026-03-05", "payment_method": "card",
        "payment_reference": "pi_1", "currency": "EUR", "outbound_shipping_paid": "4.95",
        "line_number": "1", "sku": "HW-TEE", "description": "Organic tee", "category": "tops",
        "quantity": "2", "unit_price": "24.95", "serial_numbers": "",
    }
    row.update(cells)
    return row


class Staff:
    """One user per group, made on first use."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    def __getattr__(self, group: str) -> User:
        if group.startswith("_"):
            raise AttributeError(group)
        if group not in self._users:
            self._users[group] = user_in(group)
        return self._users[group]


def requested_return(
    *, units: int = 2, reason: str = "changed_mind", client: Client | None = None, order: Order | None = None,
    staff: Staff | None = None, refund_method: str | None = None, exchange_sku: str = "", **policy_fields,
) -> ReturnRequest:
    """A return waiting for authorization (its policy does not auto-authorize unless told)."""
    policy_fields.setdefault("auto_authorize", False)
    client = client or client_with_policy(**policy_fields)
    order = order or order_for(client, quantity=max(units, 1))
    staff = staff or Staff()
    line = order.lines.first()
    return rma_services.create_return_request(
        order=order, items=[{"order_line": line, "quantity": units, "reason": reason}],
        channel="phone", actor=staff.customer_service, refund_method=refund_method, exchange_sku=exchange_sku,
    )


def received_return(
    *, order: Order, items: list[dict], staff: Staff, refund_method: str | None = None
) -> ReturnRequest:
    """A return of `items` (dicts as create_return_request takes them), authorized and scanned in at the dock."""
    rma = rma_services.create_return_request(
        order=order, items=items, channel="phone", actor=staff.customer_service, refund_method=refund_method,
    )
    if rma.state == ReturnState.REQUESTED:
        rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)
    return ReturnRequest.objects.get(pk=rma.pk)


def inspect_all(rma: ReturnRequest, staff: Staff, **overrides) -> ReturnRequest:
    fields = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}
    fields.update(overrides)
    for item in rma.items.order_by("unit_number"):
        inspection_services.record_inspection(item=item, actor=staff.inspector, **fields)
    return ReturnRequest.objects.get(pk=rma.pk)


def disposition_all(rma: ReturnRequest, staff: Staff) -> ReturnRequest:
    for item in rma.items.filter(inspection__missing=False).order_by("unit_number"):
        disposition_services.confirm_disposition(item=item, actor=staff.inspector)
    return ReturnRequest.objects.get(pk=rma.pk)


def return_in_state(state: str, *, staff: Staff | None = None, **kwargs) -> ReturnRequest:
    """A return brought to `state` the way the floor would: through the services."""
    staff = staff or Staff()
    rma = requested_return(staff=staff, **kwargs)
    steps = {
        ReturnState.REQUESTED: lambda r: r,
        ReturnState.REJECTED: lambda r: rma_services.reject_return(rma=r, actor=staff.customer_service, reason="No"),
        ReturnState.AUTHORIZED: lambda r: rma_services.authorize_return(rma=r, actor=staff.customer_service),
    }
    if state in steps:
        return steps[state](rma)
    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    if state == ReturnState.CANCELLED:
        return rma_services.cancel_return(rma=rma, actor=staff.customer_service, reason="Customer kept it")
    if state == ReturnState.EXPIRED:
        rma_services.expire_authorizations(now=rma.authorization_expires_at + dt.timedelta(seconds=1))
        return ReturnRequest.objects.get(pk=rma.pk)
    rma = rma_services.mark_in_transit(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD1")
    if state == ReturnState.IN_TRANSIT:
        return rma
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)
    rma = ReturnRequest.objects.get(pk=rma.pk)
    if state == ReturnState.RECEIVED:
        return rma
    if state == ReturnState.CLOSED:
        return inspect_all(rma, staff, missing=True)
    rma = inspect_all(rma, staff)
    if state == ReturnState.INSPECTED:
        return rma
    rma = disposition_all(rma, staff)
    if state == ReturnState.DISPOSITIONED:
        return rma
    refund = rma.refunds.get()
    refund_services.approve_refund(refund=refund, actor=staff.finance)
    refund_services.issue_refund(refund=refund, actor=staff.finance, reference="PSP-1")
    assert state == ReturnState.REFUNDED, state
    return ReturnRequest.objects.get(pk=rma.pk)


# -- codes the dock scans ----------------------------------------------------------------------------


def one_symbol_changed(ran: str) -> str:
    """The RAN with its first payload symbol replaced by another: a typical keying error."""
    position = len("RA-")
    other = "7" if ran[position] != "7" else "8"
    return ran[:position] + other + ran[position + 1:]


def never_issued_ran() -> str:
    """A well-formed RAN with a correct check symbol that no return holds."""
    while True:
        ran = ran_codes.generate_ran()
        if not ReturnRequest.objects.filter(ran=ran).exists():
            return ran


def with_ran_written(rma: ReturnRequest) -> ReturnRequest:
    """The return with a RAN. A rejected request never got one through the services; write one, as a
    client's import or an older system might have, so the dock can scan it."""
    if rma.ran is None:
        ReturnRequest.objects.filter(pk=rma.pk).update(ran=ran_codes.generate_ran())
    return ReturnRequest.objects.get(pk=rma.pk)
