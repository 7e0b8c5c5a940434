"""Exchanges go to the client's system as exchange.requested, and come back issued once: from the delivery's
reply naming the replacement order, from a later confirmation, or failed for finance. A client without a
webhook places the order itself and finance types its number."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from api.services import issue_api_key
from core.actors import SystemActor
from core.errors import InvalidInput, NotConfigured, PermissionRefused
from outbox import delivery
from outbox.models import Message, MessageStatus
from refunds import exchanges, services
from refunds.models import Refund, RefundStatus
from rma import services as rma_services
from rma.models import ReturnEventType, ReturnRequest, ReturnState
from tests.factories import PolicyFactory, client_account, client_with_policy, order_for, return_in_state
from tests.outbox.receiver import Answer
from tests.refunds.settlement_data import approved_exchange

EXCHANGES = ["original_payment", "exchange"]


@pytest.fixture
def approved(staff, merchant):
    PolicyFactory(client=merchant, auto_authorize=False, refund_methods=EXCHANGES)
    return approved_exchange(staff, merchant)


def exchange_message(refund: Refund) -> Message:
    return Message.objects.get(type="exchange.requested", payload__data__refund_id=refund.pk)


def issue_and_deliver(refund: Refund, staff) -> Refund:
    services.issue_refund(refund=refund, actor=staff.finance)
    delivery.deliver(message_pk=exchange_message(refund).pk)
    return Refund.objects.get(pk=refund.pk)


def test_issuing_an_exchange_writes_exchange_requested_with_the_replacement_sku_and_waits(approved, staff):
    refund = services.issue_refund(refund=approved, actor=staff.finance)

    rma = refund.return_request
    assert exchange_message(refund).payload["data"] == {
        "refund_id": refund.pk, "ran": rma.ran, "order_number": rma.order.number, "sku": "KE-TEE-M-BLUE",
        "quantity": 1, "value": "50.00", "currency": "EUR",
    }
    assert refund.status == RefundStatus.APPROVED and rma.state == ReturnState.DISPOSITIONED
    event = rma.events.get(action=ReturnEventType.EXCHANGE_REQUESTED)
    assert (event.actor, event.details["sku"], event.details["value"]) == (staff.finance, "KE-TEE-M-BLUE", "50.00")
    assert not Message.objects.filter(type="refund.requested").exists()


def test_issuing_again_while_the_request_is_on_its_way_asks_the_client_once(approved, staff):
    services.issue_refund(refund=approved, actor=staff.finance)
    services.issue_refund(refund=Refund.objects.get(pk=approved.pk), actor=staff.manager)

    assert Message.objects.filter(type="exchange.requested").count() == 1
    assert approved.return_request.events.filter(action=ReturnEventType.EXCHANGE_REQUESTED).count() == 1


def test_a_reply_naming_the_replacement_order_issues_the_exchange_once(approved, staff, receiver, merchant):
    receiver.answers = [Answer(200, {"replacement_order_number": "KE-R-1001"})]

    refund = issue_and_deliver(approved, staff)
    message = exchange_message(refund)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)  # as after a crash mid-record
    delivery.deliver(message_pk=message.pk)

    [first, _] = receiver.received
    assert Webhook(merchant.secret).verify(first.body, first.headers)["type"] == "exchange.requested"
    refund = Refund.objects.get(pk=refund.pk)
    assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, "KE-R-1001")
    assert refund.return_request.state == ReturnState.REFUNDED
    [refunded] = refund.return_request.events.filter(action=ReturnEventType.REFUND)
    assert (refunded.system_job, refunded.details["reference"]) == ("outbox", "KE-R-1001")


def test_a_reply_without_the_order_waits_until_the_client_confirms_it(approved, staff, receiver):
    receiver.answers = [Answer(202, {"status": "queued"})]

    refund = issue_and_deliver(approved, staff)
    assert refund.status == RefundStatus.REQUESTED
    assert refund.return_request.events.filter(action=ReturnEventType.REFUND_AWAITING_CONFIRMATION).exists()

    system = SystemActor(job="settlement_import")
    exchanges.confirm_exchange(refund=refund, actor=system, replacement_order_number=" KE-R-77 ")
    again = exchanges.confirm_exchange(refund=refund, actor=system, replacement_order_number="KE-R-OTHER")

    assert (again.status, again.external_reference) == (RefundStatus.ISSUED, "KE-R-77")
    assert again.return_request.state == ReturnState.REFUNDED
    assert again.return_request.events.filter(action=ReturnEventType.REFUND).count() == 1


def test_a_waiting_exchange_is_also_completed_by_complete_refund(approved, staff, receiver):
    receiver.answers = [Answer(202)]
    refund = issue_and_deliver(approved, staff)

    done = services.complete_refund(refund=refund, actor=SystemActor(job="settlement_import"), reference="KE-R-9")

    assert (done.status, done.external_reference) == (RefundStatus.ISSUED, "KE-R-9")


@pytest.mark.parametrize("number", ["", "   ", "K" * 201])
def test_a_confirmation_without_a_usable_order_number_is_refused(approved, staff, receiver, number):
    receiver.answers = [Answer(202)]
    refund = issue_and_deliver(approved, staff)

    with pytest.raises(InvalidInput):
        exchanges.confirm_exchange(refund=refund, actor=SystemActor(job="settlement_import"),
                                   replacement_order_number=number)

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.REQUESTED


def test_only_an_exchange_is_confirmed_as_one(staff, merchant):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant,
                          refund_method="original_payment")
    refund = services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)

    with pytest.raises(InvalidInput, match="not as an exchange"):
        exchanges.confirm_exchange(refund=refund, actor=SystemActor(job="settlement_import"),
                                   replacement_order_number="KE-R-1")


@pytest.mark.parametrize("kind", ["customer_service", "dock"])
def test_who_may_not_complete_refunds_may_not_confirm_an_exchange(approved, staff, receiver, kind):
    # The client's own account may: it confirms over the API (tests/api/test_refunds_and_events.py).
    receiver.answers = [Answer(202)]
    refund = issue_and_deliver(approved, staff)
    actor = getattr(staff, kind)

    with pytest.raises(PermissionRefused):
        exchanges.confirm_exchange(refund=refund, actor=actor, replacement_order_number="KE-R-1")

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.REQUESTED


def test_an_exchange_request_that_never_arrives_fails_for_finance_who_sends_it_again(approved, staff, receiver,
                                                                                   client):
    receiver.answers = [Answer(500), Answer(200, {"replacement_order_number": "KE-R-2"})]
    services.issue_refund(refund=approved, actor=staff.finance)
    message = exchange_message(approved)
    Message.objects.filter(pk=message.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)

    message = delivery.deliver(message_pk=message.pk)

    refund = Refund.objects.get(pk=approved.pk)
    assert message.status == MessageStatus.FAILED and refund.status == RefundStatus.FAILED
    assert refund.return_request.events.get(action=ReturnEventType.REFUND_FAILED).note.startswith("HTTP 500")
    client.force_login(staff.finance)
    page = client.get(reverse("admin:refunds_refund_change", args=[refund.pk])).content.decode()
    assert "system never got this exchange" in page and "HTTP 500" in page and "KE-TEE-M-BLUE" in page

    services.issue_refund(refund=refund, actor=staff.finance)
    second = Message.objects.filter(type="exchange.requested").exclude(pk=message.pk).get()
    delivery.deliver(message_pk=second.pk)

    refund = Refund.objects.get(pk=approved.pk)
    assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, "KE-R-2")
    assert second.payload["data"]["refund_id"] == message.payload["data"]["refund_id"]


def test_a_client_without_a_webhook_gets_no_message_and_finance_types_the_replacement_order(staff):
    shop = client_with_policy(auto_authorize=False, refund_methods=EXCHANGES)
    refund = approved_exchange(staff, shop)

    with pytest.raises(NotConfigured, match="replacement order"):
        services.issue_refund(refund=refund, actor=staff.finance)
    issued = services.issue_refund(refund=refund, actor=staff.finance, reference="SHOP-R-5")

    assert (issued.status, issued.external_reference) == (RefundStatus.ISSUED, "SHOP-R-5")
    assert issued.return_request.state == ReturnState.REFUNDED
    assert not Message.objects.filter(type="exchange.requested").exists()


# -- the replacement SKU on the return ---------------------------------------------------------------------


def new_exchange(staff, **fields) -> ReturnRequest:
    order = order_for(client_with_policy(auto_authorize=False, refund_methods=EXCHANGES))
    return rma_services.create_return_request(
        order=order, items=[{"order_line": order.lines.get(), "quantity": 1, "reason": "defective"}],
        channel="phone", actor=staff.customer_service, **fields,
    )


@pytest.mark.parametrize(("fields", "error"), [
    ({"refund_method": "exchange"}, "Give the SKU"),
    ({"refund_method": "exchange", "exchange_sku": "   "}, "Give the SKU"),
    ({"refund_method": "exchange", "exchange_sku": "S" * 65}, "at most 64"),
    ({"refund_method": "original_payment", "exchange_sku": "KE-TEE"}, "Only an exchange"),
])
def test_an_exchange_needs_its_replacement_sku_and_nothing_else_takes_one(staff, fields, error):
    with pytest.raises(InvalidInput, match=error):
        new_exchange(staff, **fields)

    assert not ReturnRequest.objects.exists()


def test_the_new_return_form_records_the_replacement_sku_shown_on_the_return_page(client, staff):
    shop = client_with_policy(auto_authorize=False, refund_methods=EXCHANGES)
    order = order_for(shop, quantity=1)
    line = order.lines.get()
    client.force_login(staff.customer_service)
    url = reverse("admin:rma_returnrequest_add") + f"?client={shop.pk}&order_number={order.number}"
    entered = {"channel": "phone", "refund_method": "exchange", f"quantity_{line.pk}": "1",
               f"reason_{line.pk}": "defective"}

    missing = client.post(url, entered)
    too_long = client.post(url, {**entered, "exchange_sku": "S" * 65})
    created = client.post(url, {**entered, "exchange_sku": " KE-TEE-L "})

    assert "Give the SKU the customer takes in exchange." in missing.context["form"].errors["exchange_sku"]
    assert too_long.context["form"].errors["exchange_sku"]
    assert created.status_code == 302
    rma = ReturnRequest.objects.get(order=order)
    assert rma.exchange_sku == "KE-TEE-L"
    page = client.get(reverse("admin:rma_returnrequest_change", args=[rma.pk])).content.decode()
    assert '<dd id="exchange-sku">KE-TEE-L</dd>' in page


def test_a_sku_typed_before_picking_another_method_is_dropped_by_the_form(client, staff):
    shop = client_with_policy(auto_authorize=False, refund_methods=EXCHANGES)
    order = order_for(shop, quantity=1)
    line = order.lines.get()
    client.force_login(staff.customer_service)
    url = reverse("admin:rma_returnrequest_add") + f"?client={shop.pk}&order_number={order.number}"

    client.post(url, {"channel": "phone", "refund_method": "original_payment", "exchange_sku": "KE-TEE-L",
                      f"quantity_{line.pk}": "1", f"reason_{line.pk}": "defective"})

    assert ReturnRequest.objects.get(order=order).exchange_sku == ""


def test_the_clients_system_confirms_its_exchange_over_the_api(approved, staff, receiver):
    receiver.answers = [Answer(202)]
    refund = issue_and_deliver(approved, staff)
    account = client_account(refund.return_request.client).client_account
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_key(account=account, actor=staff.manager, name='erp').key}")

    response = api.post(f"/api/v1/refunds/{refund.pk}/confirm/", {"replacement_order_number": "KE-R-9"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "issued"
    assert Refund.objects.get(pk=refund.pk).external_reference == "KE-R-9"
