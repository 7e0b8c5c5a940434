"""Refunds to the original payment method go to the client's payment system as refund.requested, and
come back paid once: from the delivery's reply, from a later confirmation, or failed for finance."""

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from core.actors import SystemActor
from core.errors import InvalidInput
from outbox import delivery
from outbox.models import Message, MessageStatus
from refunds import services
from refunds.models import Refund, RefundStatus
from rma.models import ReturnEventType, ReturnState
from tests.factories import return_in_state
from tests.outbox.receiver import Answer


@pytest.fixture
def approved(staff, merchant):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant,
                          refund_method="original_payment")
    return services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)


def refund_message(refund: Refund) -> Message:
    return Message.objects.get(type="refund.requested", payload__data__refund_id=refund.pk)


def issue_and_deliver(refund: Refund, staff) -> tuple[Refund, Message]:
    services.issue_refund(refund=refund, actor=staff.finance)
    message = delivery.deliver(message_pk=refund_message(refund).pk)
    return Refund.objects.get(pk=refund.pk), message


def test_issuing_writes_refund_requested_for_the_clients_system_and_waits(approved, staff, merchant):
    refund = services.issue_refund(refund=approved, actor=staff.finance)

    message = refund_message(refund)
    data = message.payload["data"]
    rma = refund.return_request
    assert refund.status == RefundStatus.APPROVED and rma.state == ReturnState.DISPOSITIONED
    assert data == {
        "refund_id": refund.pk, "ran": rma.ran, "order_number": rma.order.number, "amount": "50.00",
        "currency": "EUR", "payment_method": rma.order.payment_method,
        "payment_reference": rma.order.payment_reference, "idempotency_key": str(refund.idempotency_key),
    }
    assert rma.events.filter(action=ReturnEventType.REFUND_REQUESTED).exists()


def test_a_reply_with_a_reference_pays_the_refund_and_ends_the_return(approved, staff, receiver, merchant):
    receiver.answers = [Answer(200, {"reference": "PSP-7781"})]

    refund, _ = issue_and_deliver(approved, staff)

    [request] = receiver.received
    assert Webhook(merchant.secret).verify(request.body, request.headers)["type"] == "refund.requested"
    assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, "PSP-7781")
    assert refund.return_request.state == ReturnState.REFUNDED
    assert refund.return_request.events.get(action=ReturnEventType.REFUND).system_job == "outbox"


def test_a_reply_without_a_reference_waits_for_the_clients_confirmation_paid_once(approved, staff, receiver):
    receiver.answers = [Answer(202, {"status": "queued"})]

    refund, _ = issue_and_deliver(approved, staff)
    assert refund.status == RefundStatus.REQUESTED

    system = SystemActor(job="settlement_import")
    services.complete_refund(refund=refund, actor=system, reference="PSP-9")
    again = services.complete_refund(refund=refund, actor=system, reference="PSP-OTHER")

    assert (again.status, again.external_reference) == (RefundStatus.ISSUED, "PSP-9")
    assert again.return_request.events.filter(action=ReturnEventType.REFUND).count() == 1


def test_finance_cannot_issue_a_requested_refund_without_the_confirmed_reference(approved, staff, receiver):
    receiver.answers = [Answer(202)]
    refund, _ = issue_and_deliver(approved, staff)

    with pytest.raises(InvalidInput):
        services.issue_refund(refund=refund, actor=staff.finance)

    issued = services.issue_refund(refund=refund, actor=staff.finance, reference="PSP-FROM-PHONE")
    assert issued.status == RefundStatus.ISSUED


def test_a_request_that_never_arrives_fails_for_finance_who_sends_it_again(approved, staff, receiver, client):
    receiver.answers = [Answer(500), Answer(200, {"reference": "PSP-2"})]
    services.issue_refund(refund=approved, actor=staff.finance)
    message = refund_message(approved)
    Message.objects.filter(pk=message.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)

    message = delivery.deliver(message_pk=message.pk)
    refund = Refund.objects.get(pk=approved.pk)

    assert message.status == MessageStatus.FAILED and refund.status == RefundStatus.FAILED
    failed = refund.return_request.events.get(action=ReturnEventType.REFUND_FAILED)
    assert failed.note.startswith("HTTP 500")
    client.force_login(staff.finance)
    page = client.get(reverse("admin:refunds_refund_change", args=[refund.pk])).content.decode()
    assert "payment system never got this refund" in page and "HTTP 500" in page

    services.issue_refund(refund=refund, actor=staff.finance)
    second = Message.objects.filter(type="refund.requested").exclude(pk=message.pk).get()
    delivery.deliver(message_pk=second.pk)

    refund = Refund.objects.get(pk=approved.pk)
    assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, "PSP-2")
    payloads = [Webhook(refund.return_request.client.webhook_secret).verify(r.body, r.headers)
                for r in receiver.received]
    assert {p["data"]["idempotency_key"] for p in payloads} == {str(refund.idempotency_key)}


def test_a_delivery_arriving_again_after_payment_pays_nothing_more(approved, staff, receiver):
    receiver.answers = [Answer(200, {"reference": "PSP-1"})]
    refund, message = issue_and_deliver(approved, staff)

    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)  # as after a crash mid-record
    delivery.deliver(message_pk=message.pk)

    refund = Refund.objects.get(pk=refund.pk)
    assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, "PSP-1")
    assert refund.return_request.events.filter(action=ReturnEventType.REFUND).count() == 1


def test_finance_reaches_the_failed_deliveries_from_the_refund_queue(client, staff, approved, receiver):
    receiver.answers = [Answer(500)]
    services.issue_refund(refund=approved, actor=staff.finance)
    message = refund_message(approved)
    Message.objects.filter(pk=message.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.deliver(message_pk=message.pk)
    client.force_login(staff.finance)

    queue = client.get(reverse("admin:refunds_refund_changelist")).content.decode()
    failed = client.get(reverse("admin:outbox_message_changelist"), {"status__exact": "failed"})

    assert 'id="failed-deliveries"' in queue and "Failed deliveries (1)" in queue
    assert failed.status_code == 200 and list(failed.context["cl"].result_list) == [message]


def test_the_floor_is_not_offered_the_outbox_from_the_refund_queue(client, staff):
    client.force_login(staff.customer_service)

    queue = client.get(reverse("admin:refunds_refund_changelist"))

    assert queue.status_code == 200 and 'id="failed-deliveries"' not in queue.content.decode()
