"""A two-unit return through all six stages, as the floor works it."""

from decimal import Decimal

from refunds import services as refund_services
from refunds.models import RefundStatus
from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState
from tests.factories import disposition_all, inspect_all, requested_return


def test_two_unit_return_walks_every_stage_to_refunded(staff):
    rma = requested_return(units=2, reason="defective")
    assert rma.state == ReturnState.REQUESTED and rma.items.count() == 2

    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    assert rma.state == ReturnState.AUTHORIZED and rma.ran.startswith("RA-")

    rma = rma_services.mark_in_transit(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="1Z9")
    assert rma.state == ReturnState.IN_TRANSIT

    scan = rma_services.receive_scan(code=rma.ran.lower().replace("-", " "), actor=staff.dock)
    assert scan.result == "received"

    rma = inspect_all(ReturnRequest.objects.get(pk=rma.pk), staff)
    assert rma.state == ReturnState.INSPECTED

    rma = disposition_all(rma, staff)
    assert rma.state == ReturnState.DISPOSITIONED
    refund = rma.refunds.get()
    assert refund.status == RefundStatus.PENDING_APPROVAL
    assert refund.amount == Decimal("100.00")

    refund = refund_services.approve_refund(refund=refund, actor=staff.finance)
    assert refund.status == RefundStatus.APPROVED
    refund = refund_services.issue_refund(refund=refund, actor=staff.finance, reference="PSP-778")
    assert refund.status == RefundStatus.ISSUED

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.state == ReturnState.REFUNDED
    transitions = [e.action for e in rma.events.exclude(action="request") if e.from_state != e.to_state]
    assert transitions == ["authorize", "ship", "receive", "inspect", "disposition", "refund"]


def test_return_with_every_unit_missing_closes_without_refund(staff):
    rma = requested_return(units=2)
    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    rma = inspect_all(ReturnRequest.objects.get(pk=rma.pk), staff, missing=True)

    assert rma.state == ReturnState.CLOSED
    assert rma.refunds.count() == 0
    assert "missing" in rma.decision_reason
