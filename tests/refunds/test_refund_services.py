"""propose_refund, approve_refund, deny_refund and issue_refund: who may, in what order, and paying once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import DomainError, InvalidInput, NotConfigured, PermissionRefused, TransitionRefused
from refunds.models import CreditKind, Refund, RefundApproval, RefundStatus, StoreCreditEntry
from refunds.selectors import store_credit_balance
from refunds.services import approve_refund, deny_refund, issue_refund, propose_refund
from rma import chain
from rma.models import ReturnRequest, ReturnState
from tests.factories import Staff, disposition_all, inspect_all, return_in_state, user_in

ALLOWED = ["finance", "manager"]
REFUSED = ["customer_service", "dock", "inspector", None]


@pytest.fixture
def refunds_proposed_by_hand(monkeypatch):
    """Dispositioned returns wait for a person to propose their refund.

    The system proposes every refund the moment a return is dispositioned, so a refund a person
    proposed (the one the proposer-never-approves rule is about) is reached only with that step off.
    """
    monkeypatch.delitem(chain._steps, ReturnState.DISPOSITIONED)


def actor_in(staff: Staff, group: str | None):
    return getattr(staff, group) if group else None


def dispositioned(staff: Staff, **kwargs) -> ReturnRequest:
    """A two-unit return of 2 × 50.00, every unit as requested and dispositioned."""
    return return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, **kwargs)


def pending_refund(staff: Staff, **kwargs) -> Refund:
    """The 100.00 refund the system proposed for a dispositioned return."""
    return dispositioned(staff, **kwargs).refunds.get()


def approved_refund(staff: Staff, **kwargs) -> Refund:
    return approve_refund(refund=pending_refund(staff, **kwargs), actor=staff.finance)


def store_credit_refund(staff: Staff) -> Refund:
    """An approved refund of 100.00 as store credit, with the policy's 10% bonus."""
    return approved_refund(staff, refund_method="store_credit", store_credit_bonus_percent=Decimal("10"))


def fresh(refund: Refund) -> Refund:
    return Refund.objects.get(pk=refund.pk)


def state_of(refund: Refund) -> str:
    return ReturnRequest.objects.get(pk=refund.return_request_id).state


# -- propose -------------------------------------------------------------------------------------


def test_the_system_proposes_the_refund_when_the_return_is_dispositioned(staff):
    rma = dispositioned(staff)

    refund = rma.refunds.get()

    assert (refund.status, refund.proposed_by, refund.amount) == (RefundStatus.PENDING_APPROVAL, None, Decimal("100"))
    assert rma.events.get(action="refund_proposed").channel == "system"


def test_proposing_again_returns_the_open_refund_instead_of_a_second(staff):
    rma = dispositioned(staff)
    open_refund = rma.refunds.get()

    refund = propose_refund(rma=rma, actor=staff.finance)

    assert refund == open_refund
    assert rma.refunds.count() == 1


@pytest.mark.parametrize("state", [ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.REFUNDED])
def test_proposing_for_a_return_that_is_not_dispositioned_is_refused(staff, state):
    rma = return_in_state(state, staff=staff, units=1)
    refunds_before = rma.refunds.count()

    with pytest.raises(TransitionRefused):
        propose_refund(rma=rma, actor=staff.finance)

    assert rma.refunds.count() == refunds_before


def test_a_person_who_proposes_a_refund_is_its_proposer(staff, refunds_proposed_by_hand):
    rma = dispositioned(staff)

    refund = propose_refund(rma=rma, actor=staff.finance)

    assert (refund.status, refund.proposed_by) == (RefundStatus.PENDING_APPROVAL, staff.finance)
    assert rma.events.get(action="refund_proposed").actor == staff.finance


def test_when_nothing_is_owed_proposing_closes_the_return(staff, refunds_proposed_by_hand):
    rma = inspect_all(return_in_state(ReturnState.RECEIVED, staff=staff, units=2), staff, matches_request=False)
    rma = disposition_all(rma, staff)

    refund = propose_refund(rma=rma, actor=staff.finance)

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert refund is None
    assert not rma.refunds.exists()
    assert rma.state == ReturnState.CLOSED
    assert "does not match the request" in rma.decision_reason


# -- approve -------------------------------------------------------------------------------------


def test_the_proposer_can_never_approve_their_own_refund(staff, refunds_proposed_by_hand):
    refund = propose_refund(rma=dispositioned(staff), actor=staff.finance)

    with pytest.raises(PermissionRefused, match="another person"):
        approve_refund(refund=refund, actor=staff.finance)

    assert fresh(refund).status == RefundStatus.PENDING_APPROVAL
    assert not refund.approvals.exists()


def test_another_person_approves_a_refund_someone_proposed(staff, refunds_proposed_by_hand):
    refund = propose_refund(rma=dispositioned(staff), actor=staff.finance)

    refund = approve_refund(refund=refund, actor=user_in("finance"))

    assert refund.status == RefundStatus.APPROVED


def test_an_approval_is_recorded_as_one_refund_approval_and_approves_the_refund(staff):
    refund = pending_refund(staff)

    refund = approve_refund(refund=refund, actor=staff.finance)

    approval = RefundApproval.objects.get(refund=refund)
    assert approval.approver == staff.finance
    assert fresh(refund).status == RefundStatus.APPROVED
    assert fresh(refund).approved_at == approval.at
    assert refund.return_request.events.get(action="refund_approved").actor == staff.finance


def test_the_same_person_cannot_approve_twice(staff):
    refund = approve_refund(refund=pending_refund(staff), actor=staff.finance)

    with pytest.raises(DomainError):
        approve_refund(refund=refund, actor=staff.finance)

    assert refund.approvals.count() == 1


def test_a_denied_refund_cannot_be_approved(staff):
    refund = deny_refund(refund=pending_refund(staff), actor=staff.finance, reason="Worn")

    with pytest.raises(TransitionRefused):
        approve_refund(refund=refund, actor=staff.manager)

    assert not refund.approvals.exists()


# -- deny ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_denying_without_a_reason_is_refused_and_nothing_changes(staff, reason):
    refund = pending_refund(staff)

    with pytest.raises(InvalidInput):
        deny_refund(refund=refund, actor=staff.finance, reason=reason)

    assert fresh(refund).status == RefundStatus.PENDING_APPROVAL
    assert state_of(refund) == ReturnState.DISPOSITIONED


def test_denying_closes_the_return_with_the_reason(staff):
    refund = pending_refund(staff)

    refund = deny_refund(refund=refund, actor=staff.finance, reason=" Soles worn through ")

    rma = ReturnRequest.objects.get(pk=refund.return_request_id)
    assert rma.state == ReturnState.CLOSED
    assert "Soles worn through" in rma.decision_reason
    refund = fresh(refund)
    assert (refund.status, refund.denied_by, refund.denial_reason) == (
        RefundStatus.DENIED, staff.finance, "Soles worn through",
    )


def test_an_approved_refund_can_still_be_denied(staff):
    refund = approved_refund(staff)

    refund = deny_refund(refund=refund, actor=staff.manager, reason="Serial number swapped")

    assert fresh(refund).status == RefundStatus.DENIED
    assert state_of(refund) == ReturnState.CLOSED


def test_an_issued_refund_cannot_be_denied(staff):
    refund = issue_refund(refund=approved_refund(staff), actor=staff.finance, reference="PSP-1")

    with pytest.raises(TransitionRefused):
        deny_refund(refund=refund, actor=staff.finance, reason="Changed our mind")

    assert fresh(refund).status == RefundStatus.ISSUED
    assert state_of(refund) == ReturnState.REFUNDED


# -- issue ---------------------------------------------------------------------------------------


def test_issuing_with_a_reference_records_the_payout_and_refunds_the_return(staff):
    refund = approved_refund(staff)

    refund = issue_refund(refund=refund, actor=staff.finance, reference=" PSP-778 ")

    refund = fresh(refund)
    assert (refund.status, refund.external_reference, refund.issued_by) == (
        RefundStatus.ISSUED, "PSP-778", staff.finance,
    )
    rma = ReturnRequest.objects.get(pk=refund.return_request_id)
    assert rma.state == ReturnState.REFUNDED
    assert rma.events.get(action="refund").details["reference"] == "PSP-778"


def test_issuing_store_credit_writes_the_refund_and_the_bonus_to_the_ledger(staff):
    refund = store_credit_refund(staff)

    issue_refund(refund=refund, actor=staff.finance)

    entries = {e.kind: e.amount for e in StoreCreditEntry.objects.filter(refund=refund)}
    assert entries == {CreditKind.REFUND: Decimal("100.00"), CreditKind.BONUS: Decimal("10.00")}
    customer = refund.return_request.customer
    assert store_credit_balance(customer=customer, currency="EUR") == Decimal("110.00")
    assert fresh(refund).status == RefundStatus.ISSUED
    assert state_of(refund) == ReturnState.REFUNDED


def test_issuing_store_credit_without_a_bonus_writes_only_the_refund(staff):
    refund = approved_refund(staff, refund_method="store_credit")

    issue_refund(refund=refund, actor=staff.finance)

    assert [e.kind for e in StoreCreditEntry.objects.filter(refund=refund)] == [CreditKind.REFUND]


def test_issuing_to_the_original_payment_without_a_reference_is_not_configured_and_changes_nothing(staff):
    refund = approved_refund(staff, refund_method="original_payment")

    with pytest.raises(NotConfigured) as refused:
        issue_refund(refund=refund, actor=staff.finance)

    assert "takes no refund requests (no webhook URL and secret)" in refused.value.message
    assert "reference" in refused.value.message
    refund = fresh(refund)
    assert (refund.status, refund.external_reference, refund.issued_at) == (RefundStatus.APPROVED, "", None)
    assert state_of(refund) == ReturnState.DISPOSITIONED
    assert not StoreCreditEntry.objects.exists()


def test_issuing_before_approval_is_refused(staff):
    refund = pending_refund(staff)

    with pytest.raises(TransitionRefused, match="approved first"):
        issue_refund(refund=refund, actor=staff.finance, reference="PSP-1")

    assert fresh(refund).status == RefundStatus.PENDING_APPROVAL
    assert state_of(refund) == ReturnState.DISPOSITIONED


def test_a_denied_refund_cannot_be_issued(staff):
    refund = deny_refund(refund=pending_refund(staff), actor=staff.finance, reason="Worn")

    with pytest.raises(TransitionRefused):
        issue_refund(refund=refund, actor=staff.manager, reference="PSP-1")

    assert fresh(refund).status == RefundStatus.DENIED


def test_issuing_twice_never_pays_twice(staff):
    refund = store_credit_refund(staff)
    issue_refund(refund=refund, actor=staff.finance)

    again = issue_refund(refund=refund, actor=staff.manager)

    assert again.status == RefundStatus.ISSUED
    assert StoreCreditEntry.objects.filter(refund=refund).count() == 2
    assert store_credit_balance(customer=refund.return_request.customer, currency="EUR") == Decimal("110.00")
    assert refund.return_request.events.filter(action="refund").count() == 1


def test_a_store_credit_entry_cannot_be_edited(staff):
    refund = store_credit_refund(staff)
    issue_refund(refund=refund, actor=staff.finance)
    entry = StoreCreditEntry.objects.get(refund=refund, kind=CreditKind.REFUND)

    entry.amount = Decimal("1000")
    with pytest.raises(ValidationError):
        entry.save()

    assert StoreCreditEntry.objects.get(pk=entry.pk).amount == Decimal("100")


def test_a_store_credit_entry_cannot_be_deleted(staff):
    refund = store_credit_refund(staff)
    issue_refund(refund=refund, actor=staff.finance)
    entry = StoreCreditEntry.objects.get(refund=refund, kind=CreditKind.REFUND)

    with pytest.raises(ValidationError):
        entry.delete()

    assert StoreCreditEntry.objects.filter(pk=entry.pk).exists()


def test_store_credit_entries_cannot_be_edited_in_bulk(staff):
    refund = store_credit_refund(staff)
    issue_refund(refund=refund, actor=staff.finance)

    with pytest.raises(ValidationError):
        StoreCreditEntry.objects.filter(refund=refund).update(amount=Decimal("1000"))

    assert store_credit_balance(customer=refund.return_request.customer, currency="EUR") == Decimal("110.00")


def test_store_credit_entries_cannot_be_deleted_in_bulk(staff):
    refund = store_credit_refund(staff)
    issue_refund(refund=refund, actor=staff.finance)

    with pytest.raises(ValidationError):
        StoreCreditEntry.objects.filter(refund=refund).delete()

    assert StoreCreditEntry.objects.filter(refund=refund).count() == 2


# -- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ALLOWED)
def test_finance_and_managers_may_propose_refunds(staff, refunds_proposed_by_hand, group):
    refund = propose_refund(rma=dispositioned(staff), actor=getattr(staff, group))

    assert refund.proposed_by == getattr(staff, group)


@pytest.mark.parametrize("group", [group for group in REFUSED if group])
def test_others_may_not_propose_refunds(staff, refunds_proposed_by_hand, group):
    rma = dispositioned(staff)

    with pytest.raises(PermissionRefused):
        propose_refund(rma=rma, actor=getattr(staff, group))

    assert not rma.refunds.exists()


@pytest.mark.parametrize("group", ALLOWED)
def test_finance_and_managers_may_approve_refunds(staff, group):
    refund = approve_refund(refund=pending_refund(staff), actor=getattr(staff, group))

    assert refund.status == RefundStatus.APPROVED


@pytest.mark.parametrize("group", REFUSED)
def test_others_may_not_approve_refunds(staff, group):
    refund = pending_refund(staff)

    with pytest.raises(PermissionRefused):
        approve_refund(refund=refund, actor=actor_in(staff, group))

    assert fresh(refund).status == RefundStatus.PENDING_APPROVAL
    assert not refund.approvals.exists()


@pytest.mark.parametrize("group", ALLOWED)
def test_finance_and_managers_may_deny_refunds(staff, group):
    refund = deny_refund(refund=pending_refund(staff), actor=getattr(staff, group), reason="Worn")

    assert refund.status == RefundStatus.DENIED


@pytest.mark.parametrize("group", REFUSED)
def test_others_may_not_deny_refunds(staff, group):
    refund = pending_refund(staff)

    with pytest.raises(PermissionRefused):
        deny_refund(refund=refund, actor=actor_in(staff, group), reason="Worn")

    assert fresh(refund).status == RefundStatus.PENDING_APPROVAL
    assert state_of(refund) == ReturnState.DISPOSITIONED


@pytest.mark.parametrize("group", ALLOWED)
def test_finance_and_managers_may_issue_refunds(staff, group):
    refund = issue_refund(refund=approved_refund(staff), actor=getattr(staff, group), reference="PSP-1")

    assert refund.status == RefundStatus.ISSUED


@pytest.mark.parametrize("group", REFUSED)
def test_others_may_not_issue_refunds(staff, group):
    refund = approved_refund(staff)

    with pytest.raises(PermissionRefused):
        issue_refund(refund=refund, actor=actor_in(staff, group), reference="PSP-1")

    assert fresh(refund).status == RefundStatus.APPROVED
    assert state_of(refund) == ReturnState.DISPOSITIONED
