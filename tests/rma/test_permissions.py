"""Who may call each rma service (DESIGN.md, "Who uses it, and who may do what"); a refusal changes nothing."""

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.actors import Actor, CustomerActor, SystemActor
from core.errors import PermissionRefused
from outbox import signing
from outbox.models import Message
from rma import services as rma_services
from rma.models import (
    CarrierEvent,
    Client,
    ExtraUnit,
    ExtraUnitStatus,
    OrderCorrection,
    OrderLine,
    ParcelStatus,
    ReceivingScan,
    ReturnEvent,
    ReturnRequest,
    ReturnState,
    UnexpectedParcel,
)
from rma.order_import import COLUMNS
from tests.factories import (
    ClientFactory,
    PolicyFactory,
    Staff,
    client_account,
    order_for,
    order_row,
    return_in_state,
    user_in,
)
from tests.uploads import pdf_upload

# Who acts: staff by group, the client's systems, the return's customer on the portal, a scheduled job,
# and `no_user` (None), which every service refuses.
ACTORS = [
    "customer_service", "dock", "inspector", "finance", "manager", "client_account", "inactive_manager", "customer",
    "system", "no_user",
]


def actor_of(kind: str, rma: ReturnRequest, staff: Staff) -> Actor | User | None:
    if kind == "no_user":
        return None
    if kind == "customer":
        return CustomerActor(customer=rma.customer)
    if kind == "system":
        return SystemActor("test_job")
    if kind == "client_account":
        return client_account(rma.client)
    if kind == "inactive_manager":
        user = user_in("manager")
        user.is_active = False
        user.save(update_fields=["is_active"])
        return user
    return getattr(staff, kind)


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


@dataclass(frozen=True)
class Action:
    """One rma service, called on a return where everything but the actor allows it."""

    given: Callable[[Staff], ReturnRequest]
    call: Callable[[ReturnRequest, User | None], object]
    done: Callable[[ReturnRequest], bool]
    may: frozenset[str]


def _rotating_secrets(staff: Staff) -> ReturnRequest:
    """A return of a client with a webhook URL, in the middle of rotating its signing secret."""
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    Client.objects.filter(pk=rma.client_id).update(
        webhook_url="https://hooks.example.com/returns", webhook_secret=signing.new_secret(),
        webhook_secret_previous=signing.new_secret(),
    )
    return fresh(rma)


def _in_state(state: str, **fields) -> Callable[[Staff], ReturnRequest]:
    return lambda staff: return_in_state(state, staff=staff, units=1, **fields)


def _labelled(staff: Staff) -> ReturnRequest:
    """Authorized, with its prepaid label's tracking number: a carrier's scan may move it."""
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=1)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD7")


def _with_unexpected_parcel(state: str) -> Callable[[Staff], ReturnRequest]:
    def given(staff: Staff) -> ReturnRequest:
        rma = return_in_state(state, staff=staff, units=1)
        rma_services.receive_scan(code="JJD014600006837452911", actor=staff.dock)
        return rma
    return given


def _with_extra_unit(staff: Staff) -> ReturnRequest:
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    rma_services.record_extra_unit(rma=rma, actor=staff.dock, description="Charger")
    return rma


def _find_its_order(rma: ReturnRequest, actor: Actor | User | None) -> None:
    found = rma_services.find_order(client=rma.client, number=rma.order.number, actor=actor)
    assert found == rma.order


def _create(rma: ReturnRequest, actor: Actor | User | None) -> ReturnRequest:
    # Each actor through its own door: which doors each may use, test_create_return_request covers.
    channel = "api" if getattr(actor, "client_account", None) else "phone"
    channel = "portal" if isinstance(actor, CustomerActor) else channel
    return rma_services.create_return_request(
        order=rma.order, items=[{"order_line": rma.order.lines.get(), "quantity": 1, "reason": "defective"}],
        channel=channel, actor=actor,
    )


def _with_unclaimed_order(staff: Staff) -> ReturnRequest:
    """A return, and a second order of its customer that no return claims."""
    rma = return_in_state(ReturnState.REQUESTED, staff=staff, units=1)
    order_for(rma.client, customer=rma.customer, number="UNCLAIMED-1")
    return rma


def _unclaimed_line(rma: ReturnRequest) -> OrderLine:
    return OrderLine.objects.get(order__client=rma.client, order__number="UNCLAIMED-1")


def _receipt() -> SimpleUploadedFile:
    return pdf_upload()


def _past_expiry(staff: Staff) -> ReturnRequest:
    return return_in_state(ReturnState.AUTHORIZED, staff=staff, units=1)


ACTIONS = {
    "create_return_request": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=_create,
        done=lambda rma: rma.order.returns.count() == 2,
        may=frozenset({"customer_service", "manager", "client_account", "customer"}),
    ),
    "authorize_return": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.authorize_return(rma=rma, actor=actor),
        done=lambda rma: fresh(rma).state == ReturnState.AUTHORIZED,
        may=frozenset({"customer_service", "manager", "system"}),  # the system: when the policy auto-authorizes
    ),
    "authorize_return with a policy override": Action(
        given=_in_state(ReturnState.REQUESTED, accepted_reasons=["defective"], reason="changed_mind"),
        call=lambda rma, actor: rma_services.authorize_return(rma=rma, actor=actor, override_reason="Goodwill"),
        done=lambda rma: fresh(rma).state == ReturnState.AUTHORIZED,
        may=frozenset({"manager"}),
    ),
    "reject_return": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.reject_return(rma=rma, actor=actor, reason="Outside the window"),
        done=lambda rma: fresh(rma).state == ReturnState.REJECTED,
        may=frozenset({"customer_service", "manager"}),
    ),
    "cancel_return": Action(
        given=_in_state(ReturnState.AUTHORIZED),
        call=lambda rma, actor: rma_services.cancel_return(rma=rma, actor=actor, reason="Customer kept it"),
        done=lambda rma: fresh(rma).state == ReturnState.CANCELLED,
        may=frozenset({"customer_service", "manager", "client_account", "customer"}),
    ),
    "mark_in_transit": Action(
        given=_in_state(ReturnState.AUTHORIZED),
        call=lambda rma, actor: rma_services.mark_in_transit(
            rma=rma, actor=actor, carrier="DHL", tracking_number="JJD0001"
        ),
        done=lambda rma: fresh(rma).state == ReturnState.IN_TRANSIT,
        may=frozenset({"customer_service", "manager", "client_account"}),
    ),
    "set_tracking": Action(
        given=_in_state(ReturnState.AUTHORIZED),
        call=lambda rma, actor: rma_services.set_tracking(rma=rma, actor=actor, carrier="UPS", tracking_number="1Z9"),
        done=lambda rma: (fresh(rma).carrier, fresh(rma).tracking_number) == ("UPS", "1Z9"),
        may=frozenset({"customer_service", "manager", "client_account"}),
    ),
    "record_carrier_event": Action(
        given=_labelled,
        call=lambda rma, actor: rma_services.record_carrier_event(
            tracking_number=rma.tracking_number, event="picked_up", occurred_at=timezone.now(), actor=actor
        ),
        done=lambda rma: fresh(rma).state == ReturnState.IN_TRANSIT,
        may=frozenset({"customer_service", "manager", "system"}),
    ),
    "import_carrier_events": Action(
        given=_labelled,
        call=lambda rma, actor: rma_services.import_carrier_events(
            columns=["tracking_number", "event", "time"],
            rows=[{"tracking_number": rma.tracking_number, "event": "picked_up", "time": timezone.now().isoformat()}],
            actor=actor,
        ),
        done=lambda rma: fresh(rma).state == ReturnState.IN_TRANSIT,
        may=frozenset({"customer_service", "manager", "system"}),
    ),
    "expire_authorizations": Action(
        given=_past_expiry,
        call=lambda rma, actor: rma_services.expire_authorizations(
            now=rma.authorization_expires_at + dt.timedelta(seconds=1), actor=actor
        ),
        done=lambda rma: fresh(rma).state == ReturnState.EXPIRED,
        may=frozenset({"system"}),
    ),
    "warn_of_expiring_authorizations": Action(
        given=_past_expiry,
        call=lambda rma, actor: rma_services.warn_of_expiring_authorizations(
            now=rma.authorization_expires_at - dt.timedelta(days=1), actor=actor
        ),
        done=lambda rma: Message.objects.filter(type="email.return_expiring", owner=f"rma.return:{rma.pk}").exists(),
        may=frozenset({"system"}),
    ),
    "receive_scan": Action(
        given=_in_state(ReturnState.IN_TRANSIT),
        call=lambda rma, actor: rma_services.receive_scan(code=rma.ran, actor=actor),
        done=lambda rma: fresh(rma).state == ReturnState.RECEIVED,
        may=frozenset({"dock", "manager"}),
    ),
    "receive_expired": Action(
        given=_in_state(ReturnState.EXPIRED),
        call=lambda rma, actor: rma_services.receive_expired(rma=rma, actor=actor, reason="Carrier delay"),
        done=lambda rma: fresh(rma).state == ReturnState.RECEIVED,
        may=frozenset({"manager"}),
    ),
    "annotate_unexpected_parcel": Action(
        given=_with_unexpected_parcel(ReturnState.IN_TRANSIT),
        call=lambda rma, actor: rma_services.annotate_unexpected_parcel(
            parcel=UnexpectedParcel.objects.get(), actor=actor, note="DHL box, no label"
        ),
        done=lambda rma: UnexpectedParcel.objects.get().dock_note == "DHL box, no label",
        may=frozenset({"dock", "manager"}),
    ),
    "resolve_unexpected_parcel": Action(
        given=_with_unexpected_parcel(ReturnState.IN_TRANSIT),
        call=lambda rma, actor: rma_services.resolve_unexpected_parcel(
            parcel=UnexpectedParcel.objects.get(), actor=actor, resolution=ParcelStatus.MATCHED, rma=rma
        ),
        done=lambda rma: fresh(rma).state == ReturnState.RECEIVED,
        may=frozenset({"customer_service", "manager"}),
    ),
    "record_extra_unit": Action(
        given=_in_state(ReturnState.RECEIVED),
        call=lambda rma, actor: rma_services.record_extra_unit(rma=rma, actor=actor, description="Charger"),
        done=lambda rma: rma.extra_units.exists(),
        may=frozenset({"dock", "inspector", "manager"}),
    ),
    "resolve_extra_unit": Action(
        given=_with_extra_unit,
        call=lambda rma, actor: rma_services.resolve_extra_unit(
            extra_unit=rma.extra_units.get(), actor=actor, resolution=ExtraUnitStatus.KEPT, note="Worthless"
        ),
        done=lambda rma: rma.extra_units.get().status == ExtraUnitStatus.KEPT,
        may=frozenset({"customer_service", "manager"}),
    ),
    "publish_policy_version": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.publish_policy_version(
            client=rma.client, actor=actor, window_days=60, accepted_reasons=["defective"]
        ),
        done=lambda rma: rma.client.policies.count() == 2,
        may=frozenset({"manager"}),
    ),
    "generate_webhook_secret": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.generate_webhook_secret(client=rma.client, actor=actor),
        done=lambda rma: Client.objects.get(pk=rma.client_id).webhook_secret.startswith("whsec_"),
        may=frozenset({"manager"}),
    ),
    "retire_previous_webhook_secret": Action(
        given=_rotating_secrets,
        call=lambda rma, actor: rma_services.retire_previous_webhook_secret(client=rma.client, actor=actor),
        done=lambda rma: Client.objects.get(pk=rma.client_id).webhook_secret_previous == "",
        may=frozenset({"manager"}),
    ),
    "send_test_webhook": Action(
        given=_rotating_secrets,
        call=lambda rma, actor: rma_services.send_test_webhook(client=rma.client, actor=actor),
        done=lambda rma: Message.objects.filter(type="webhook.test").exists(),
        may=frozenset({"manager"}),
    ),
    "attach_receipt": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.attach_receipt(rma=rma, actor=actor, document=_receipt()),
        done=lambda rma: bool(fresh(rma).receipt_document),
        may=frozenset({"customer_service", "manager", "client_account", "customer"}),
    ),
    "mark_customer_notified": Action(
        given=_in_state(ReturnState.CLOSED),
        call=lambda rma, actor: rma_services.mark_customer_notified(rma=rma, actor=actor, note="Emailed"),
        done=lambda rma: rma.events.filter(action="customer_notified").exists(),
        may=frozenset({"customer_service", "manager"}),
    ),
    "mark_order_charged_back": Action(
        given=_in_state(ReturnState.AUTHORIZED),
        call=lambda rma, actor: rma_services.mark_order_charged_back(order=rma.order, actor=actor, note="CB-1"),
        done=lambda rma: fresh(rma).order.charged_back_at is not None,
        may=frozenset({"manager", "client_account"}),
    ),
    "add_note": Action(
        given=_in_state(ReturnState.RECEIVED),
        call=lambda rma, actor: rma_services.add_note(rma=rma, actor=actor, text="Customer called about the box"),
        done=lambda rma: rma.events.filter(action="note_added").exists(),
        may=frozenset({"customer_service", "inspector", "finance", "manager"}),
    ),
    "correct_order_line": Action(
        given=_with_unclaimed_order,
        call=lambda rma, actor: rma_services.correct_order_line(
            line=_unclaimed_line(rma), actor=actor, reason="Client sent the price before discount",
            unit_price=Decimal("40.00"),
        ),
        done=lambda rma: _unclaimed_line(rma).unit_price == Decimal("40.00"),
        may=frozenset({"manager"}),
    ),
    "find_order": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: _find_its_order(rma, actor),
        done=lambda rma: True,  # a read: _find_its_order checks what it found
        may=frozenset({"customer_service", "finance", "manager", "client_account", "customer", "system"}),
    ),
    "import_orders": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.import_orders(
            columns=list(COLUMNS), rows=[order_row(client_code=rma.client.code, order_number="NEW-1")], actor=actor
        ),
        done=lambda rma: rma.client.orders.count() == 2,
        may=frozenset({"manager", "system"}),
    ),
    "create_order": Action(
        given=_in_state(ReturnState.REQUESTED),
        call=lambda rma, actor: rma_services.create_order(
            client=rma.client, actor=actor, number="NEW-1", customer={"email": "new@example.com"},
            ordered_at=rma.order.ordered_at, payment_method="card", currency="EUR",
            lines=[{"line_number": 1, "sku": "SKU-1", "quantity": 1, "unit_price": Decimal("10.00")}],
        ),
        done=lambda rma: rma.client.orders.count() == 2,
        may=frozenset({"manager", "client_account"}),
    ),
    "erase_customer_personal_data": Action(
        given=_in_state(ReturnState.REFUNDED),
        call=lambda rma, actor: rma_services.erase_customer_personal_data(
            customer=rma.customer, actor=actor, reason="Asked by phone",
        ),
        done=lambda rma: fresh(rma).customer.erased_at is not None,
        may=frozenset({"manager", "system"}),
    ),
}

ALLOWED = [(name, kind) for name, action in ACTIONS.items() for kind in ACTORS if kind in action.may]
REFUSED = [(name, kind) for name, action in ACTIONS.items() for kind in ACTORS if kind not in action.may]

def snapshot(rma: ReturnRequest) -> tuple:
    return (
        fresh(rma).state, ReturnRequest.objects.count(), ReturnEvent.objects.count(), ReceivingScan.objects.count(),
        CarrierEvent.objects.count(), OrderCorrection.objects.count(),
        list(ExtraUnit.objects.values_list("status", flat=True)),
        list(UnexpectedParcel.objects.values_list("status", "dock_note")),
    )


def test_every_rma_service_taking_an_actor_is_in_the_permission_table():
    services_with_actor = {
        name for name, function in inspect.getmembers(rma_services, inspect.isfunction)
        if function.__module__.startswith(f"{rma_services.__name__}.") and not name.startswith("_")
        and "actor" in inspect.signature(function).parameters
    }

    assert services_with_actor == {name.split()[0] for name in ACTIONS}


@pytest.mark.parametrize(("name", "kind"), ALLOWED, ids=[f"{name}-by-{kind}" for name, kind in ALLOWED])
def test_actor_the_design_allows_may_act(name, kind, staff):
    action = ACTIONS[name]
    rma = action.given(staff)

    action.call(rma, actor_of(kind, rma, staff))

    assert action.done(rma)


@pytest.mark.parametrize(("name", "kind"), REFUSED, ids=[f"{name}-by-{kind}" for name, kind in REFUSED])
def test_actor_the_design_does_not_allow_is_refused_and_nothing_changes(name, kind, staff):
    action = ACTIONS[name]
    rma = action.given(staff)
    actor = actor_of(kind, rma, staff)
    before = snapshot(rma)

    with pytest.raises(PermissionRefused):
        action.call(rma, actor)

    assert snapshot(rma) == before


# -- a client account acts only for its own client -------------------------------------------------


def other_clients_account() -> User:
    other = ClientFactory()
    PolicyFactory(client=other)
    return client_account(other)


@pytest.mark.parametrize("name", ["create_return_request", "cancel_return", "mark_in_transit", "set_tracking"])
def test_client_account_cannot_act_on_another_clients_return(name, staff):
    action = ACTIONS[name]
    rma = action.given(staff)
    outsider = other_clients_account()
    before = snapshot(rma)

    with pytest.raises(PermissionRefused):
        action.call(rma, outsider)

    assert snapshot(rma) == before


def test_customer_cancels_only_their_own_return(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=1)
    someone_else = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=1).customer
    before = snapshot(rma)

    with pytest.raises(PermissionRefused, match="someone else"):
        rma_services.cancel_return(rma=rma, actor=CustomerActor(customer=someone_else), reason="Changed my mind")

    assert snapshot(rma) == before
    cancelled = rma_services.cancel_return(rma=rma, actor=CustomerActor(customer=rma.customer), reason="Kept it")
    event = cancelled.events.get(action="cancel")
    assert (event.channel, event.customer, event.actor) == ("portal", rma.customer, None)
