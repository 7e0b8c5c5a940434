"""Approval rules per client (its policy): one approval up to a threshold, above it a second one by a
different person who is a manager; the proposer never approves their own refund."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import DomainError, PermissionRefused
from refunds import services
from refunds.models import Refund, RefundStatus
from rma.models import ReturnState
from tests.factories import return_in_state, user_in

# Two units of 50.00: a refund of 100.00.
ABOVE = {"second_approval_above": Decimal("80.00")}
BELOW = {"second_approval_above": Decimal("100.00")}


def pending(staff, **policy) -> Refund:
    return return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, **policy).refunds.get()


def test_up_to_the_threshold_one_finance_approval_is_enough(staff):
    refund = services.approve_refund(refund=pending(staff, **BELOW), actor=staff.finance)

    assert refund.status == RefundStatus.APPROVED


def test_above_the_threshold_a_manager_gives_the_second_approval(staff):
    refund = services.approve_refund(refund=pending(staff, **ABOVE), actor=staff.finance)
    assert refund.status == RefundStatus.PENDING_APPROVAL

    refund = services.approve_refund(refund=refund, actor=staff.manager)

    assert refund.status == RefundStatus.APPROVED
    assert [a.approver for a in refund.approvals.order_by("at", "id")] == [staff.finance, staff.manager]


def test_a_second_approval_by_someone_who_is_no_manager_is_refused(staff):
    refund = services.approve_refund(refund=pending(staff, **ABOVE), actor=staff.finance)
    colleague = user_in("finance")

    with pytest.raises(PermissionRefused, match=r"above 80\.00 EUR: one of its two approvals must be a manager's"):
        services.approve_refund(refund=refund, actor=colleague)

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING_APPROVAL
    assert refund.approvals.count() == 1


def test_a_managers_first_approval_lets_finance_give_the_second(staff):
    refund = services.approve_refund(refund=pending(staff, **ABOVE), actor=staff.manager)

    refund = services.approve_refund(refund=refund, actor=staff.finance)

    assert refund.status == RefundStatus.APPROVED


def test_the_same_person_never_approves_twice(staff):
    refund = services.approve_refund(refund=pending(staff, **ABOVE), actor=staff.manager)

    with pytest.raises(DomainError, match="already approved"):
        services.approve_refund(refund=refund, actor=staff.manager)


def test_a_bulk_approve_says_which_refunds_still_wait_for_a_second_approver(client, staff):
    small, large = pending(staff, **BELOW), pending(staff, **ABOVE)
    client.force_login(staff.finance)

    response = client.post(reverse("admin:refunds_refund_changelist"), {
        "action": "approve_selected", "_selected_action": [small.pk, large.pk],
    }, follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert f"Still waiting for a manager's second approval: {large.return_request}." in shown
    assert Refund.objects.get(pk=small.pk).status == RefundStatus.APPROVED
    assert Refund.objects.get(pk=large.pk).status == RefundStatus.PENDING_APPROVAL
