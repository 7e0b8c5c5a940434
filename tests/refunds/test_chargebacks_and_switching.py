"""When the original payment cannot take a refund: store credit with the customer's consent; and an
order the client reports charged back, which refuses every refund with the reason."""

import pytest
from django.urls import reverse

from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from refunds import services
from refunds.models import CreditKind, Refund, RefundStatus, StoreCreditEntry
from rma import services as rma_services
from rma.models import RefundMethod, ReturnEventType, ReturnRequest, ReturnState
from tests.factories import client_account, disposition_all, return_in_state

CONSENT = "On the phone, 2 Dec 14:10: the card has expired, store credit is fine"


def refund_of(staff, state=ReturnState.DISPOSITIONED) -> Refund:
    rma = return_in_state(state, staff=staff, units=1, refund_method="original_payment")
    return rma.refunds.get()


def failed(staff) -> Refund:
    refund = services.approve_refund(refund=refund_of(staff), actor=staff.finance)
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)  # as the outbox leaves it
    return Refund.objects.get(pk=refund.pk)


def test_customer_service_switches_a_failed_refund_to_store_credit_with_the_consent(staff):
    refund = services.switch_refund_to_store_credit(refund=failed(staff), actor=staff.customer_service,
                                                    consent=CONSENT)

    assert (refund.method, refund.status) == (RefundMethod.STORE_CREDIT, RefundStatus.APPROVED)
    event = refund.return_request.events.get(action=ReturnEventType.REFUND_METHOD_SWITCHED)
    assert event.note == CONSENT and event.actor == staff.customer_service
    assert event.details["from_method"] == "original_payment"

    services.issue_refund(refund=refund, actor=staff.finance)
    assert [entry.kind for entry in StoreCreditEntry.objects.filter(refund=refund)] == [CreditKind.REFUND]


@pytest.mark.parametrize("consent", ["", "   ", "x" * 1001])
def test_a_switch_needs_the_consent_in_words(staff, consent):
    refund = failed(staff)

    with pytest.raises(InvalidInput):
        services.switch_refund_to_store_credit(refund=refund, actor=staff.customer_service, consent=consent)

    assert Refund.objects.get(pk=refund.pk).method == RefundMethod.ORIGINAL_PAYMENT


def test_an_issued_refund_keeps_its_method(staff):
    refund = refund_of(staff, ReturnState.REFUNDED)

    with pytest.raises(TransitionRefused):
        services.switch_refund_to_store_credit(refund=refund, actor=staff.customer_service, consent=CONSENT)


@pytest.mark.parametrize("group", ["dock", "inspector"])
def test_the_floor_does_not_switch_refunds(staff, group):
    with pytest.raises(PermissionRefused):
        services.switch_refund_to_store_credit(refund=failed(staff), actor=getattr(staff, group), consent=CONSENT)


def test_the_refund_page_offers_the_switch_and_records_the_consent(client, staff):
    refund = failed(staff)
    client.force_login(staff.customer_service)

    page = client.get(reverse("admin:refunds_refund_change", args=[refund.pk])).content.decode()
    client.post(reverse("admin:refunds_refund_act", args=[refund.pk, "switch"]), {"consent": CONSENT})

    assert "Switch to store credit" in page and "Customer&#x27;s consent" in page
    assert Refund.objects.get(pk=refund.pk).method == RefundMethod.STORE_CREDIT


def test_a_charged_back_order_refuses_the_refund_with_the_reason(staff):
    refund = refund_of(staff)
    order = refund.return_request.order
    rma_services.mark_order_charged_back(order=order, actor=staff.manager, note="Bank reversal BR-221")

    with pytest.raises(DomainError, match=r"charged back .*no refund is owed") as refused:
        services.approve_refund(refund=refund, actor=staff.finance)

    assert refused.value.code == "charged_back"
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING_APPROVAL
    assert refund.return_request.events.filter(action=ReturnEventType.ORDER_CHARGED_BACK).exists()


def test_a_return_finished_after_the_chargeback_closes_without_refund_and_says_why(staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)
    rma_services.mark_order_charged_back(order=rma.order, actor=staff.manager, note="Bank reversal BR-9")

    disposition_all(ReturnRequest.objects.get(pk=rma.pk), staff)  # the chain proposes the refund

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.state == ReturnState.CLOSED and not rma.refunds.exists()
    assert "charged back" in rma.events.get(to_state=ReturnState.CLOSED).note


def test_the_clients_system_reports_a_chargeback_on_its_own_orders_only(staff):
    own = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    other = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    account = client_account(own.client)

    rma_services.mark_order_charged_back(order=own.order, actor=account, note="Chargeback CB-1")
    with pytest.raises(PermissionRefused):
        rma_services.mark_order_charged_back(order=other.order, actor=account, note="Chargeback CB-2")
    with pytest.raises(InvalidInput):
        rma_services.mark_order_charged_back(order=own.order, actor=staff.manager, note="Again")
