"""Every type of the event stream is documented (docs/events.md) and written by some path of the floor."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import PolicyViolation
from outbox import delivery, signing
from outbox.models import Message
from refunds import corrections
from refunds import services as refund_services
from refunds.models import Refund
from rma import services as rma_services
from rma.models import Client, ReturnEvent, ReturnEventType, ReturnState
from tests.factories import client_with_policy, order_for, return_in_state
from tests.outbox.receiver import Answer, Receiver
from tests.uploads import pdf_upload

EVENTS_DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"


def test_every_event_type_is_documented_and_the_page_names_no_other():
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", EVENTS_DOC.read_text(), flags=re.M))

    assert documented - {"action", "channel", "actor", "customer", "system_job"} == set(ReturnEventType.values)


def _floor_day(staff) -> None:
    """One of each thing the floor does, through the services, as the people and jobs who do them."""
    cs, manager = staff.customer_service, staff.manager
    refunded = return_in_state(ReturnState.REFUNDED, staff=staff, units=1)
    rma_services.add_note(rma=refunded, actor=cs, text="Customer thanked us")
    return_in_state(ReturnState.REJECTED, staff=staff)
    return_in_state(ReturnState.CANCELLED, staff=staff)
    expired = return_in_state(ReturnState.EXPIRED, staff=staff)
    rma_services.receive_expired(rma=expired, actor=manager, reason="Carrier delay")
    return_in_state(ReturnState.CLOSED, staff=staff)
    denied = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)
    refund_services.deny_refund(refund=denied.refunds.get(), actor=staff.finance, reason="Worn")
    rma_services.mark_customer_notified(rma=denied, actor=cs, note="Phoned the customer")
    held = return_in_state(ReturnState.REQUESTED, staff=staff, accepted_reasons=["defective"], reason="changed_mind")
    with pytest.raises(PolicyViolation):
        rma_services.authorize_return(rma=held, actor=cs)
    receipt = pdf_upload()
    rma_services.attach_receipt(rma=held, actor=cs, document=receipt)

    labelled = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    rma_services.set_tracking(rma=labelled, actor=cs, carrier="DHL", tracking_number="JJD77")
    rma_services.record_carrier_event(tracking_number="JJD77", event="label_created",
                                      occurred_at=timezone.now() - dt.timedelta(hours=1), actor=cs)

    nobody_announced = rma_services.receive_scan(code="PARCEL-CONVERTED", actor=staff.dock).unexpected_parcel
    # The return made for it, received since; its order has a unit to spare for an extra unit found.
    spare = order_for(client_with_policy(auto_authorize=False), quantity=3)
    received = return_in_state(ReturnState.RECEIVED, staff=staff, order=spare)
    rma_services.resolve_unexpected_parcel(parcel=nobody_announced, actor=cs, resolution="converted", rma=received)
    parcel = rma_services.receive_scan(code="PARCEL-MATCHED", actor=staff.dock).unexpected_parcel
    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=cs, resolution="matched", rma=received)
    parcel = rma_services.receive_scan(code="PARCEL-REFUSED", actor=staff.dock).unexpected_parcel
    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=cs, resolution="refused", rma=received, note="No")
    for resolution in ("added", "sent_back", "kept"):
        unit = rma_services.record_extra_unit(rma=received, actor=staff.dock, description=f"Box {resolution}",
                                              sku=received.items.first().order_line.sku)
        rma_services.resolve_extra_unit(extra_unit=unit, actor=cs, resolution=resolution, note="Decided",
                                        reason="defective")
    erased = return_in_state(ReturnState.REJECTED, staff=staff)
    rma_services.erase_customer_personal_data(customer=erased.customer, actor=manager, reason="Asked by phone")
    rma_services.purge_personal_data(clock=lambda: timezone.now() + dt.timedelta(days=10_000))


def _payouts_through_the_clients_system(staff, receiver: Receiver) -> None:
    """Two refunds to the original payment method: one the client's system takes to confirm later, one it never gets."""
    merchant = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=merchant.pk).update(webhook_url=receiver.url, webhook_secret=signing.new_secret())
    receiver.answers = [Answer(202), Answer(500)]
    for _ in range(2):
        rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant,
                              refund_method="original_payment")
        refund = refund_services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)
        refund_services.issue_refund(refund=refund, actor=staff.finance)
    taken, lost = Message.objects.filter(type="refund.requested").order_by("id")
    delivery.deliver(message_pk=taken.pk)
    Message.objects.filter(pk=lost.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.deliver(message_pk=lost.pk)
    refund_services.switch_refund_to_store_credit(refund=Refund.objects.get(pk=lost.payload["data"]["refund_id"]),
                                                  actor=staff.customer_service,
                                                  consent="Agreed on the phone")
    charged_back = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    rma_services.mark_order_charged_back(order=charged_back.order, actor=staff.manager, note="Bank reversal")


def _exchanges_and_corrections(staff, receiver: Receiver) -> None:
    """An exchange sent to the client's system, and two corrections of a refund: one paid, one denied."""
    merchant = client_with_policy(auto_authorize=False, refund_methods=["exchange"])
    Client.objects.filter(pk=merchant.pk).update(webhook_url=receiver.url, webhook_secret=signing.new_secret())
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant, refund_method="exchange",
                          exchange_sku="KE-TEE-L")
    refund = refund_services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)
    refund_services.issue_refund(refund=refund, actor=staff.finance)

    refunded = return_in_state(ReturnState.REFUNDED, staff=staff, units=1,
                               order=order_for(client_with_policy(auto_authorize=False), quantity=2))
    for amount in ("10.00", "5.00"):
        correction = corrections.correct_refund(rma=refunded, actor=staff.finance, amount=Decimal(amount),
                                                reason="A unit found later")
        refund_services.approve_refund(refund=correction, actor=staff.manager)
    paid, denied = refunded.refunds.filter(is_correction=True).order_by("id")
    refund_services.issue_refund(refund=paid, actor=staff.finance, reference="PSP-CORR")
    refund_services.deny_refund(refund=denied, actor=staff.manager, reason="Counted twice")


def test_every_event_type_is_written_by_some_path_with_its_states_filled(staff, receiver):
    _floor_day(staff)
    _payouts_through_the_clients_system(staff, receiver)
    _exchanges_and_corrections(staff, receiver)

    written = set(ReturnEvent.objects.values_list("action", flat=True))
    assert written == set(ReturnEventType.values)
    assert not ReturnEvent.objects.filter(to_state="").exists()
    assert set(ReturnEvent.objects.filter(from_state="").values_list("action", flat=True)) == {"request"}


def test_the_stream_is_append_only(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    event = rma.events.first()

    for attempt in (lambda: rma.events.update(note="x"), lambda: rma.events.all().delete(), event.delete,
                    event.save):
        with pytest.raises(ValidationError, match="append-only"):
            attempt()

    assert ReturnEvent.objects.get(pk=event.pk).note == event.note
