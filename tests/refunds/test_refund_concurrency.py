"""Two people acting on the same refund at the same moment: the row locks make it pay once.

These run on PostgreSQL in real transactions, one database connection per thread. The data the
migrations create (the staff groups) is restored before each test with serialized_rollback, since
a transactional test empties the database when it ends.
"""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import DomainError
from refunds.models import CreditKind, Refund, RefundStatus, StoreCreditEntry
from refunds.selectors import store_credit_balance
from refunds.services import approve_refund, deny_refund, issue_refund
from rma.models import ReturnRequest, ReturnState
from tests.factories import Staff, return_in_state

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at_once(*calls: Callable[[], object]) -> list:
    """Run each call in its own thread, released together; returns each call's result or error, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(position: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[position] = call()
        except Exception as error:  # the test inspects what each thread ran into
            outcomes[position] = error
        finally:
            connection.close()  # each thread has its own connection; do not leave it open

    threads = [threading.Thread(target=run, args=(position, call)) for position, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting on a lock"
    return outcomes


def approved_store_credit_refund(staff: Staff) -> Refund:
    """An approved refund of 100.00 as store credit, with a 10% bonus."""
    rma = return_in_state(
        ReturnState.DISPOSITIONED, staff=staff, units=2, refund_method="store_credit",
        store_credit_bonus_percent=Decimal("10"),
    )
    return approve_refund(refund=rma.refunds.get(), actor=staff.finance)


def test_two_people_issuing_the_same_store_credit_refund_at_once_pay_it_once(postgres_only):
    staff = Staff()
    refund = approved_store_credit_refund(staff)
    first, second = Refund.objects.get(pk=refund.pk), Refund.objects.get(pk=refund.pk)

    outcomes = at_once(
        lambda: issue_refund(refund=first, actor=staff.finance),
        lambda: issue_refund(refund=second, actor=staff.manager),
    )

    # Each thread sees the refund issued: the second waited for the first and found nothing left to pay.
    assert [getattr(outcome, "status", outcome) for outcome in outcomes] == [RefundStatus.ISSUED] * 2
    assert StoreCreditEntry.objects.filter(refund=refund, kind=CreditKind.REFUND).count() == 1
    assert store_credit_balance(customer=refund.return_request.customer, currency="EUR") == Decimal("110.00")
    rma = ReturnRequest.objects.get(pk=refund.return_request_id)
    assert rma.events.filter(action="refund").count() == 1
    assert rma.state == ReturnState.REFUNDED


def test_issuing_and_denying_the_same_refund_at_once_lets_exactly_one_happen(postgres_only):
    staff = Staff()
    refund = approved_store_credit_refund(staff)
    first, second = Refund.objects.get(pk=refund.pk), Refund.objects.get(pk=refund.pk)

    outcomes = at_once(
        lambda: issue_refund(refund=first, actor=staff.finance),
        lambda: deny_refund(refund=second, actor=staff.manager, reason="Serial number swapped"),
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(refused) == 1, outcomes
    refund = Refund.objects.get(pk=refund.pk)
    rma = ReturnRequest.objects.get(pk=refund.return_request_id)
    paid = StoreCreditEntry.objects.filter(refund=refund).exists()
    assert (refund.status, rma.state, paid) in [
        (RefundStatus.ISSUED, ReturnState.REFUNDED, True),
        (RefundStatus.DENIED, ReturnState.CLOSED, False),
    ]


def test_the_two_approvals_a_large_refund_needs_given_at_once_approve_it_once(postgres_only):
    staff = Staff()
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, second_approval_above=Decimal("80.00"))
    refund = rma.refunds.get()

    outcomes = at_once(
        lambda: approve_refund(refund=Refund.objects.get(pk=refund.pk), actor=staff.finance),
        lambda: approve_refund(refund=Refund.objects.get(pk=refund.pk), actor=staff.manager),
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    refund = Refund.objects.get(pk=refund.pk)
    assert refund.status == RefundStatus.APPROVED and refund.approvals.count() == 2
    assert refund.return_request.events.filter(action="refund_approved").count() == 2


def test_issuing_a_refund_to_the_clients_system_twice_at_once_asks_it_once(postgres_only, merchant):
    from outbox.models import Message

    staff = Staff()
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant,
                          refund_method="original_payment")
    refund = approve_refund(refund=rma.refunds.get(), actor=staff.finance)

    at_once(
        lambda: issue_refund(refund=Refund.objects.get(pk=refund.pk), actor=staff.finance),
        lambda: issue_refund(refund=Refund.objects.get(pk=refund.pk), actor=staff.manager),
    )

    assert Message.objects.filter(type="refund.requested").count() == 1
    assert rma.events.filter(action="refund_requested").count() == 1
