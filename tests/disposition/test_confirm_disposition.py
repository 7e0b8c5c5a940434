"""confirm_disposition: the decision for each unit, the stock it puts back, and the return moving on."""

import pytest

from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from disposition.models import Action, Disposition, StockMovement
from disposition.services import confirm_disposition
from inspection.services import record_inspection
from refunds.models import RefundStatus
from rma.models import ReturnRequest, ReturnState
from tests.factories import (
    DispositionRuleFactory,
    Staff,
    WarehouseRouteFactory,
    client_with_policy,
    inspect_all,
    return_in_state,
)

FOUND_AS_REQUESTED = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


def inspected(staff: Staff, *, units: int = 2, grade: str = "A") -> ReturnRequest:
    """A return whose every unit was found as requested, with `grade`, waiting for dispositions."""
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=units)
    return inspect_all(rma, staff, grade=grade)


def unit(rma: ReturnRequest, number: int):
    return rma.items.get(unit_number=number)


def state_of(rma: ReturnRequest) -> str:
    return ReturnRequest.objects.get(pk=rma.pk).state


# -- the decision --------------------------------------------------------------------------------


def test_without_an_action_the_recommendation_is_confirmed(staff):
    rma = inspected(staff, grade="C")

    disposition = confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    assert (disposition.action, disposition.recommended_action) == (Action.REFURBISH, Action.REFURBISH)
    assert disposition.override_reason == ""
    assert disposition.decided_by == staff.inspector


def test_the_deciding_rule_is_recorded(staff):
    rma = inspected(staff)
    rule = DispositionRuleFactory(client=rma.client, forced_action=Action.RETURN_TO_VENDOR)

    disposition = confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    assert (disposition.action, disposition.rule) == (Action.RETURN_TO_VENDOR, rule)


def test_choosing_the_recommended_action_needs_no_reason(staff):
    rma = inspected(staff)

    disposition = confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.RESTOCK)

    assert disposition.action == Action.RESTOCK


def test_an_override_without_a_reason_is_refused_and_nothing_is_saved(staff):
    rma = inspected(staff)

    with pytest.raises(InvalidInput, match="Say why"):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.LIQUIDATE, reason="   ")

    assert not Disposition.objects.filter(item__return_request=rma).exists()


def test_an_override_is_recorded_with_its_reason(staff):
    rma = inspected(staff)

    disposition = confirm_disposition(
        item=unit(rma, 1), actor=staff.inspector, action=Action.LIQUIDATE, reason=" Season is over ",
    )

    assert (disposition.action, disposition.recommended_action) == (Action.LIQUIDATE, Action.RESTOCK)
    assert disposition.override_reason == "Season is over"
    assert rma.events.get(action="disposition_unit").note == "Season is over"


def test_an_action_outside_the_rules_allowed_set_is_refused(staff):
    rma = inspected(staff)
    DispositionRuleFactory(client=rma.client, allowed_actions=[Action.REFURBISH, Action.LIQUIDATE])

    with pytest.raises(InvalidInput, match="allows only"):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.RESTOCK, reason="Looks new")

    assert not Disposition.objects.filter(item__return_request=rma).exists()


def test_an_action_other_than_a_forced_one_is_refused(staff):
    rma = inspected(staff)
    DispositionRuleFactory(client=rma.client, forced_action=Action.RETURN_TO_VENDOR)

    with pytest.raises(InvalidInput, match="allows only"):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.RESTOCK, reason="Looks new")


def test_an_unknown_action_is_refused(staff):
    rma = inspected(staff)

    with pytest.raises(InvalidInput):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action="sell_on_ebay", reason="Quick cash")


def test_a_negative_repair_cost_estimate_is_refused(staff):
    rma = inspected(staff)

    with pytest.raises(InvalidInput):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector, repair_cost_estimate=-1)


def test_writes_one_disposition_unit_event_per_unit(staff):
    rma = inspected(staff)

    confirm_disposition(item=unit(rma, 1), actor=staff.inspector)
    confirm_disposition(item=unit(rma, 2), actor=staff.inspector, action=Action.REPAIR, reason="Loose sole")

    events = rma.events.filter(action="disposition_unit").order_by("id")
    assert [(e.details["unit"], e.details["action"]) for e in events] == [(1, "restock"), (2, "repair")]


# -- stock ---------------------------------------------------------------------------------------


def test_restocking_writes_one_stock_movement_of_the_sku_into_the_returns_warehouse(staff):
    rma = inspected(staff)

    disposition = confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.RESTOCK)

    movement = StockMovement.objects.get()
    assert movement.quantity == 1
    assert movement.sku == unit(rma, 1).order_line.sku
    assert (movement.client, movement.warehouse) == (rma.client, rma.warehouse)
    assert (movement.disposition, movement.actor) == (disposition, staff.inspector)


def test_a_routed_return_restocks_into_the_warehouse_it_was_routed_to_not_the_clients_default(staff):
    client = client_with_policy(auto_authorize=False)
    route = WarehouseRouteFactory(client=client, country="DE")
    rma = inspect_all(return_in_state(ReturnState.RECEIVED, staff=staff, client=client), staff)

    confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=Action.RESTOCK)

    assert StockMovement.objects.get().warehouse == route.warehouse != client.default_warehouse


@pytest.mark.parametrize("action", [a for a in Action.values if a != Action.RESTOCK])
def test_every_other_action_writes_no_stock_movement(staff, action):
    rma = inspected(staff)

    confirm_disposition(item=unit(rma, 1), actor=staff.inspector, action=action, reason="Floor decision")

    assert not StockMovement.objects.exists()


# -- the return moving on ------------------------------------------------------------------------


def test_the_return_stays_inspected_until_its_last_unit_has_a_disposition(staff):
    rma = inspected(staff, units=2)

    confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    assert state_of(rma) == ReturnState.INSPECTED
    assert not rma.refunds.exists()


def test_the_last_unit_moves_the_return_to_dispositioned_and_a_refund_is_proposed(staff):
    rma = inspected(staff, units=2)

    confirm_disposition(item=unit(rma, 1), actor=staff.inspector)
    confirm_disposition(item=unit(rma, 2), actor=staff.inspector)

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.state == ReturnState.DISPOSITIONED
    assert rma.events.filter(action="disposition", from_state="inspected", to_state="dispositioned").count() == 1
    refund = rma.refunds.get()
    assert refund.status == RefundStatus.PENDING_APPROVAL
    assert refund.proposed_by is None  # the system proposed it


def test_a_missing_unit_needs_no_disposition(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)
    record_inspection(item=unit(rma, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, missing=True)
    record_inspection(item=unit(rma, 2), actor=staff.inspector, **FOUND_AS_REQUESTED)

    confirm_disposition(item=unit(rma, 2), actor=staff.inspector)

    assert state_of(rma) == ReturnState.DISPOSITIONED
    assert not Disposition.objects.filter(item=unit(rma, 1)).exists()


def test_a_missing_unit_cannot_be_given_a_disposition(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)
    record_inspection(item=unit(rma, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, missing=True)
    record_inspection(item=unit(rma, 2), actor=staff.inspector, **FOUND_AS_REQUESTED)

    with pytest.raises(InvalidInput, match="missing"):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector)


def test_a_return_whose_every_unit_is_missing_closes_without_refund_straight_after_inspection(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)

    rma = inspect_all(rma, staff, missing=True)

    assert rma.state == ReturnState.CLOSED
    assert not rma.refunds.exists()
    assert not Disposition.objects.filter(item__return_request=rma).exists()
    moves = [(e.from_state, e.to_state) for e in rma.events.order_by("id") if e.from_state != e.to_state]
    assert moves[-3:] == [("received", "inspected"), ("inspected", "dispositioned"), ("dispositioned", "closed")]


# -- refused -------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.RECEIVED, ReturnState.DISPOSITIONED])
def test_confirming_on_a_return_that_is_not_inspected_is_refused(staff, state):
    rma = return_in_state(state, staff=staff, units=1)
    dispositions_before = Disposition.objects.count()

    with pytest.raises(TransitionRefused):
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    assert Disposition.objects.count() == dispositions_before


def test_confirming_the_same_unit_twice_is_refused(staff):
    rma = inspected(staff, units=2)
    confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    with pytest.raises(DomainError) as refused:
        confirm_disposition(item=unit(rma, 1), actor=staff.inspector)

    assert refused.value.code == "already_dispositioned"
    assert Disposition.objects.filter(item=unit(rma, 1)).count() == 1
    assert StockMovement.objects.count() == 1


# -- who may confirm -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["inspector", "manager"])
def test_inspectors_and_managers_may_confirm_dispositions(staff, group):
    rma = inspected(staff)

    disposition = confirm_disposition(item=unit(rma, 1), actor=getattr(staff, group))

    assert disposition.decided_by == getattr(staff, group)


@pytest.mark.parametrize("group", ["customer_service", "dock", "finance", None])
def test_others_may_not_confirm_dispositions_and_nothing_changes(staff, group):
    rma = inspected(staff, units=1)
    actor = getattr(staff, group) if group else None

    with pytest.raises(PermissionRefused):
        confirm_disposition(item=unit(rma, 1), actor=actor)

    assert not Disposition.objects.exists()
    assert not StockMovement.objects.exists()
    assert state_of(rma) == ReturnState.INSPECTED
