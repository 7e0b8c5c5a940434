"""The chain after the last unit (refunds/chain.py): each path, done inside the call that set it off."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from disposition import services as disposition_services
from disposition.models import Disposition
from inspection import services as inspection_services
from refunds import chain as refund_chain
from refunds.models import RefundStatus
from rma import chain
from rma.models import ReturnRequest, ReturnState
from tests.factories import inspect_all, return_in_state

GRADE_A = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def test_the_whole_chain_is_registered_once_by_the_refunds_stage():
    assert chain.steps() == {
        ReturnState.INSPECTED: refund_chain.after_last_inspection,
        ReturnState.DISPOSITIONED: refund_chain.after_last_disposition,
    }


def test_a_second_step_for_the_same_state_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already go on"):
        chain.register(ReturnState.INSPECTED, lambda **kwargs: None)


def test_registering_the_same_step_again_changes_nothing():
    refund_chain.register()

    assert len(chain.steps()) == 2


def test_the_last_inspection_of_a_unit_that_arrived_stops_at_inspected(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)
    first, last = rma.items.order_by("unit_number")
    inspection_services.record_inspection(item=first, actor=staff.inspector, **GRADE_A)

    inspection_services.record_inspection(item=last, actor=staff.inspector, missing=True, **GRADE_A)

    assert fresh(rma).state == ReturnState.INSPECTED
    assert list(rma.events.values_list("action", flat=True))[-1] == "inspect"


def test_when_nothing_arrived_the_last_inspection_closes_the_return_in_the_same_call(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)

    inspect_all(rma, staff, missing=True)

    assert fresh(rma).state == ReturnState.CLOSED
    trail = list(rma.events.filter(action__in=["inspect", "disposition", "close_without_refund"])
                 .values_list("action", "channel", "system_job", "actor"))
    assert trail == [
        ("inspect", "admin", "", staff.inspector.pk),
        ("disposition", "system", "nothing_to_disposition", None),
        ("close_without_refund", "system", "refund_after_disposition", None),
    ]


def test_the_last_disposition_proposes_the_refund_as_the_system_in_the_same_call(staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=2)
    first, last = rma.items.order_by("unit_number")
    disposition_services.confirm_disposition(item=first, actor=staff.inspector)
    assert not rma.refunds.exists()

    disposition_services.confirm_disposition(item=last, actor=staff.inspector)

    refund = rma.refunds.get()
    assert (fresh(rma).state, refund.status, refund.proposed_by) == (
        ReturnState.DISPOSITIONED, RefundStatus.PENDING_APPROVAL, None
    )
    proposal = rma.events.get(action="refund_proposed")
    assert (proposal.channel, proposal.system_job) == ("system", "refund_after_disposition")


def test_a_failing_step_undoes_the_move_that_set_it_off(staff, monkeypatch):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)

    def broken(**kwargs):
        raise RuntimeError("the refund calculation is down")

    monkeypatch.setitem(chain._steps, ReturnState.DISPOSITIONED, broken)
    with pytest.raises(RuntimeError):
        disposition_services.confirm_disposition(item=rma.items.get(), actor=staff.inspector)

    assert fresh(rma).state == ReturnState.INSPECTED and not Disposition.objects.exists()
