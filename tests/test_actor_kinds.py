"""The later stages' services refuse every kind of actor DESIGN.md does not give them, and change nothing.

Staff groups are covered by each stage's own tests; here: nobody (None), the return's customer on the
portal, the client's systems, and a job of the system.
"""

import pytest

from core.actors import CustomerActor, SystemActor
from core.errors import PermissionRefused
from disposition import services as disposition_services
from inspection import services as inspection_services
from refunds import services as refund_services
from refunds.models import Refund, RefundStatus
from rma import chain
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import client_account, return_in_state

GRADE_A = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}
KINDS = ["nobody", "customer", "client_account", "system"]


def actor_of(kind: str, rma: ReturnRequest):
    return {
        "nobody": lambda: None,
        "customer": lambda: CustomerActor(customer=rma.customer),
        "client_account": lambda: client_account(rma.client),
        "system": lambda: SystemActor("test_job"),
    }[kind]()


def approved(staff) -> Refund:
    refund = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1).refunds.get()
    return refund_services.approve_refund(refund=refund, actor=staff.finance)


CALLS = {
    "record_inspection": (
        lambda staff: return_in_state(ReturnState.RECEIVED, staff=staff, units=1),
        lambda rma, actor: inspection_services.record_inspection(item=rma.items.get(), actor=actor, **GRADE_A),
    ),
    "confirm_disposition": (
        lambda staff: return_in_state(ReturnState.INSPECTED, staff=staff, units=1),
        lambda rma, actor: disposition_services.confirm_disposition(item=rma.items.get(), actor=actor),
    ),
    "approve_refund": (
        lambda staff: return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1),
        lambda rma, actor: refund_services.approve_refund(refund=rma.refunds.get(), actor=actor),
    ),
    "deny_refund": (
        lambda staff: return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1),
        lambda rma, actor: refund_services.deny_refund(refund=rma.refunds.get(), actor=actor, reason="Worn"),
    ),
    "issue_refund": (
        lambda staff: approved(staff).return_request,
        lambda rma, actor: refund_services.issue_refund(refund=rma.refunds.get(), actor=actor, reference="PSP-9"),
    ),
}


def snapshot(rma: ReturnRequest) -> tuple:
    rma = ReturnRequest.objects.get(pk=rma.pk)
    return rma.state, ReturnEvent.objects.count(), list(rma.refunds.values_list("status", flat=True))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_later_stage_refuses_who_the_design_does_not_name(name, kind, staff):
    given, call = CALLS[name]
    rma = given(staff)
    before = snapshot(rma)

    with pytest.raises(PermissionRefused):
        call(rma, actor_of(kind, rma))

    assert snapshot(rma) == before


@pytest.mark.parametrize("kind", ["nobody", "customer", "client_account"])
def test_only_staff_and_the_system_propose_refunds(kind, staff, monkeypatch):
    monkeypatch.delitem(chain._steps, ReturnState.DISPOSITIONED)
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)

    with pytest.raises(PermissionRefused):
        refund_services.propose_refund(rma=rma, actor=actor_of(kind, rma))

    assert not rma.refunds.exists()
    refund = refund_services.propose_refund(rma=rma, actor=SystemActor("refund_after_disposition"))
    assert (refund.status, refund.proposed_by) == (RefundStatus.PENDING_APPROVAL, None)


def test_a_refunds_status_moves_only_through_its_transitions(staff):
    refund = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1).refunds.get()

    with pytest.raises(AttributeError):
        refund.status = RefundStatus.ISSUED

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING_APPROVAL
