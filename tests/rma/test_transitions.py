"""The whole transition table, read from the model's own FSM table, each transition driven by its service.

For every state and every transition: where the model allows it, the service moves the return to
the target state and writes a ReturnEvent; where it does not, the service refuses and nothing changes.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from core.errors import TransitionRefused
from disposition import services as disposition_services
from inspection import services as inspection_services
from refunds import services as refund_services
from refunds.models import Refund, RefundStatus
from rma import ran as ran_codes
from rma import services as rma_services
from rma.models import ReceivingScan, ReturnRequest, ReturnState, ScanResult
from tests.factories import Staff, return_in_state

TRANSITIONS = list(ReturnRequest._meta.get_field("state").get_all_transitions(ReturnRequest))
ALLOWED = {(t.source, t.name) for t in TRANSITIONS}
REFUSED = [
    (state, name) for name in sorted({t.name for t in TRANSITIONS}) for state in ReturnState.values
    if (state, name) not in ALLOWED
]

GOOD_UNIT = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}

When = Callable[[], object]


def _refused_with_transition_refused(when: When) -> None:
    with pytest.raises(TransitionRefused):
        when()


def _refused_or_paid_once(when: When) -> None:
    """Issuing is refused, or (a refunded return's own refund) it was paid already and is not paid again."""
    try:
        refund = when()
    except TransitionRefused:
        return
    assert refund.status == RefundStatus.ISSUED and refund.return_request.state == ReturnState.REFUNDED


def _scan_not_received(when: When) -> None:
    scan = when()
    assert isinstance(scan, ReceivingScan)
    assert scan.result in {ScanResult.DUPLICATE, ScanResult.WRONG_STATE}


def _nothing_expired(when: When) -> None:
    assert when() == 0


@dataclass(frozen=True)
class Driver:
    """The service behind one transition: `given` sets up what it acts on and returns the call."""

    given: Callable[[ReturnRequest, Staff], When]
    actor: Callable[[Staff], User | None]
    # How the service says no: most raise; the dock scan and the expiry job report it instead.
    expect_refusal: Callable[[When], None] = _refused_with_transition_refused


def _given_authorize(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.authorize_return(rma=rma, actor=staff.customer_service)


def _given_reject(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.reject_return(rma=rma, actor=staff.customer_service, reason="Worn outside")


def _given_cancel(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.cancel_return(rma=rma, actor=staff.customer_service, reason="Customer kept it")


def _given_expire(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.expire_authorizations(now=timezone.now() + dt.timedelta(days=365))


def _given_ship(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.mark_in_transit(
        rma=rma, actor=staff.customer_service, carrier="UPS", tracking_number="1Z999"
    )


def _given_scan(rma: ReturnRequest, staff: Staff) -> When:
    if rma.ran is None:
        # Only authorization issues a RAN; write one so the dock can name this return at all,
        # and the outcome depends on the return's state alone.
        ReturnRequest.objects.filter(pk=rma.pk).update(ran=ran_codes.generate_ran())
        rma = ReturnRequest.objects.get(pk=rma.pk)
    return lambda: rma_services.receive_scan(code=rma.ran, actor=staff.dock)


def _given_receive_expired(rma: ReturnRequest, staff: Staff) -> When:
    return lambda: rma_services.receive_expired(rma=rma, actor=staff.manager, reason="Carrier delay, confirmed")


def _given_inspect_last_unit(rma: ReturnRequest, staff: Staff) -> When:
    *earlier, last = rma.items.order_by("unit_number")
    if rma.state == ReturnState.RECEIVED:
        for item in earlier:
            inspection_services.record_inspection(item=item, actor=staff.inspector, **GOOD_UNIT)
    return lambda: inspection_services.record_inspection(item=last, actor=staff.inspector, **GOOD_UNIT)


def _given_disposition_last_unit(rma: ReturnRequest, staff: Staff) -> When:
    *earlier, last = rma.items.order_by("unit_number")
    if rma.state == ReturnState.INSPECTED:
        for item in earlier:
            disposition_services.confirm_disposition(item=item, actor=staff.inspector)
    return lambda: disposition_services.confirm_disposition(item=last, actor=staff.inspector)


def _refund_of(rma: ReturnRequest, staff: Staff, *, approved: bool) -> Refund:
    """The refund the stage proposed where there is one; a refunded return's own, issued already; elsewhere
    the return's refund written to the table directly, so that only the return's state can refuse what
    finance does with it. (A correction, a second refund, pays on a refunded return without a transition.)"""
    refund = rma.refunds.filter(status=RefundStatus.PENDING_APPROVAL).first()
    if rma.state == ReturnState.REFUNDED:
        return rma.refunds.get(is_correction=False)
    if refund is None:
        return Refund.objects.create(
            return_request=rma, amount=Decimal("10.00"), currency="EUR", method=rma.refund_method,
            status=RefundStatus.APPROVED if approved else RefundStatus.PENDING_APPROVAL,
            proposed_at=timezone.now(),
        )
    if approved:
        refund = refund_services.approve_refund(refund=refund, actor=staff.finance)
    return refund


def _given_issue_refund(rma: ReturnRequest, staff: Staff) -> When:
    refund = _refund_of(rma, staff, approved=True)
    return lambda: refund_services.issue_refund(refund=refund, actor=staff.finance, reference="PSP-42")


def _given_deny_refund(rma: ReturnRequest, staff: Staff) -> When:
    refund = _refund_of(rma, staff, approved=False)
    return lambda: refund_services.deny_refund(refund=refund, actor=staff.finance, reason="Used and worn")


DRIVERS = {
    "authorize": Driver(_given_authorize, actor=lambda staff: staff.customer_service),
    "reject": Driver(_given_reject, actor=lambda staff: staff.customer_service),
    "cancel": Driver(_given_cancel, actor=lambda staff: staff.customer_service),
    "expire": Driver(_given_expire, actor=lambda staff: None, expect_refusal=_nothing_expired),
    "ship": Driver(_given_ship, actor=lambda staff: staff.customer_service),
    "receive": Driver(_given_scan, actor=lambda staff: staff.dock, expect_refusal=_scan_not_received),
    "receive_expired": Driver(_given_receive_expired, actor=lambda staff: staff.manager),
    "inspect": Driver(_given_inspect_last_unit, actor=lambda staff: staff.inspector),
    "disposition": Driver(_given_disposition_last_unit, actor=lambda staff: staff.inspector),
    "refund": Driver(_given_issue_refund, actor=lambda staff: staff.finance, expect_refusal=_refused_or_paid_once),
    "close_without_refund": Driver(_given_deny_refund, actor=lambda staff: staff.finance),
}


def _fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def test_every_transition_of_the_model_has_a_driving_service():
    assert {t.name for t in TRANSITIONS} == set(DRIVERS)


def test_every_transition_runs_between_named_states():
    # A wildcard source ("*" or "+") would hide states from the parametrized table below.
    states = set(ReturnState.values)
    assert all(t.source in states and t.target in states for t in TRANSITIONS)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.name}-from-{t.source}")
def test_allowed_transition_moves_the_return_to_its_target(transition, staff):
    driver = DRIVERS[transition.name]
    rma = return_in_state(transition.source, staff=staff)
    when = driver.given(rma, staff)

    when()

    assert _fresh(rma).state == transition.target


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.name}-from-{t.source}")
def test_allowed_transition_writes_its_event(transition, staff):
    driver = DRIVERS[transition.name]
    rma = return_in_state(transition.source, staff=staff)
    when = driver.given(rma, staff)
    earlier_events = list(rma.events.values_list("pk", flat=True))

    when()

    event = rma.events.exclude(pk__in=earlier_events).get(action=transition.name)
    assert (event.from_state, event.to_state, event.actor) == (
        transition.source, transition.target, driver.actor(staff)
    )


@pytest.mark.parametrize(("state", "name"), REFUSED, ids=[f"{name}-from-{state}" for state, name in REFUSED])
def test_refused_transition_changes_nothing(state, name, staff):
    driver = DRIVERS[name]
    rma = return_in_state(state, staff=staff)
    when = driver.given(rma, staff)
    events_before = rma.events.count()

    driver.expect_refusal(when)

    assert _fresh(rma).state == state
    assert rma.events.count() == events_before


def test_state_cannot_be_assigned_directly(staff):
    rma = _fresh(return_in_state(ReturnState.DISPOSITIONED, staff=staff))

    with pytest.raises(AttributeError):
        rma.state = ReturnState.REFUNDED  # nosemgrep: lifecycle-state-assigned-directly (the test proves it fails)
