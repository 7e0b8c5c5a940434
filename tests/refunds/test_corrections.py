"""A refunded return's refund is corrected by a second refund: within what the order has left, approved and
issued like any refund, and the return stays refunded."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.actors import CustomerActor, SystemActor
from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from outbox import delivery
from outbox.models import Message
from refunds import corrections, selectors, services
from refunds.models import Refund, RefundStatus
from rma.models import Order, ReturnEvent, ReturnEventType, ReturnState
from tests.factories import client_account, client_with_policy, order_for, return_in_state
from tests.outbox.receiver import Answer

REASON = "Second unit found on the returns shelf"


def one_of_two(state: str, staff, client=None, **fields):
    """A return of one of its order's two 50.00 EUR units, brought to `state`."""
    client = client or client_with_policy(auto_authorize=False, **fields.pop("policy", {}))
    return return_in_state(state, staff=staff, units=1, order=order_for(client, quantity=2), **fields)


@pytest.fixture
def refunded(staff):
    """One of the order's two units returned and refunded: 50.00 EUR left to refund."""
    return one_of_two(ReturnState.REFUNDED, staff)


def propose(rma, staff, amount: str = "20.00", reason: str = REASON) -> Refund:
    return corrections.correct_refund(rma=rma, actor=staff.finance, amount=Decimal(amount), reason=reason)


def test_a_correction_within_what_is_left_is_approved_and_issued_and_the_return_stays_refunded(refunded, staff):
    correction = propose(refunded, staff)
    assert (correction.status, correction.is_correction, correction.correction_reason) == (
        RefundStatus.PENDING_APPROVAL, True, REASON)
    assert (correction.amount, correction.method) == (Decimal("20.00"), "original_payment")

    services.approve_refund(refund=correction, actor=staff.manager)
    issued = services.issue_refund(refund=correction, actor=staff.finance, reference="PSP-CORR-1")

    assert (issued.status, issued.external_reference) == (RefundStatus.ISSUED, "PSP-CORR-1")
    rma = issued.return_request
    assert rma.state == ReturnState.REFUNDED
    assert selectors.refunded_on_order(order=rma.order) == Decimal("70.00")
    proposed = rma.events.get(action=ReturnEventType.REFUND_CORRECTION_PROPOSED)
    assert (proposed.note, proposed.actor, proposed.details["corrects"]) == (
        REASON, staff.finance, rma.refunds.get(is_correction=False).pk)
    paid = rma.events.get(action=ReturnEventType.REFUND_CORRECTION_ISSUED)
    assert (paid.from_state, paid.to_state, paid.details["reference"]) == ("refunded", "refunded", "PSP-CORR-1")
    assert rma.events.filter(action=ReturnEventType.REFUND).count() == 1


def test_whoever_proposed_a_correction_may_not_approve_it(refunded, staff):
    correction = propose(refunded, staff)

    with pytest.raises(PermissionRefused, match="another person"):
        services.approve_refund(refund=correction, actor=staff.finance)


def test_a_correction_above_the_policys_threshold_needs_a_managers_second_approval(staff):
    rma = one_of_two(ReturnState.DISPOSITIONED, staff, policy={"second_approval_above": Decimal("10.00")})
    for approver in (staff.finance, staff.manager):
        services.approve_refund(refund=rma.refunds.get(), actor=approver)
    services.issue_refund(refund=rma.refunds.get(), actor=staff.finance, reference="PSP-1")
    correction = propose(rma, staff)

    services.approve_refund(refund=correction, actor=staff.manager)

    assert Refund.objects.get(pk=correction.pk).status == RefundStatus.PENDING_APPROVAL
    assert services.approvals_required(refund=correction) == 2


def test_a_denied_correction_leaves_the_return_refunded(refunded, staff):
    correction = propose(refunded, staff)

    services.deny_refund(refund=correction, actor=staff.manager, reason="The unit was the customer's other order")

    rma = Refund.objects.get(pk=correction.pk).return_request
    assert rma.state == ReturnState.REFUNDED and rma.refunds.get(pk=correction.pk).status == RefundStatus.DENIED
    assert rma.events.get(action=ReturnEventType.REFUND_CORRECTION_DENIED).note.startswith("The unit was")
    assert selectors.refunded_on_order(order=rma.order) == Decimal("50.00")


@pytest.mark.parametrize("amount", ["50.01", "100.00"])
def test_a_correction_above_what_the_order_has_left_is_refused(refunded, staff, amount):
    with pytest.raises(InvalidInput, match=r"At most 50.00 EUR more .* 100.00 EUR paid, 50.00 EUR refunded"):
        propose(refunded, staff, amount)

    assert not refunded.refunds.filter(is_correction=True).exists()


def test_the_cap_counts_corrections_on_their_way_and_what_the_client_refunded_itself(refunded, staff):
    Order.objects.filter(pk=refunded.order_id).update(refunded_outside=Decimal("10.00"))
    propose(refunded, staff, "25.00")

    with pytest.raises(InvalidInput, match=r"At most 15\.00 EUR more"):
        propose(refunded, staff, "15.01")
    last = propose(refunded, staff, "15.00")

    assert last.breakdown["cap"] == "15.00"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("-5.00"), Decimal("10.005"),
                                    Decimal("NaN"), Decimal("Infinity"), "10.00", 10.0])
def test_a_correction_of_nothing_less_or_more_decimals_than_the_currency_is_refused(refunded, staff, amount):
    with pytest.raises(InvalidInput):
        corrections.correct_refund(rma=refunded, actor=staff.finance, amount=amount, reason=REASON)

    assert not refunded.refunds.filter(is_correction=True).exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_correction_says_why_in_a_reason_of_reasonable_length(refunded, staff, reason):
    with pytest.raises(InvalidInput, match="Say why"):
        propose(refunded, staff, reason=reason)


@pytest.mark.parametrize("state", [ReturnState.DISPOSITIONED, ReturnState.CLOSED, ReturnState.RECEIVED])
def test_only_a_refunded_return_is_corrected(staff, state):
    rma = return_in_state(state, staff=staff, units=1)
    before = list(rma.refunds.values_list("pk", "status"))

    with pytest.raises(TransitionRefused, match="only a refunded return"):
        propose(rma, staff)

    assert list(rma.refunds.values_list("pk", "status")) == before


@pytest.mark.parametrize("kind", ["finance", "manager"])
def test_finance_and_managers_correct_refunds(refunded, staff, kind):
    correction = corrections.correct_refund(rma=refunded, actor=getattr(staff, kind), amount=Decimal("5.00"),
                                            reason=REASON)

    assert correction.proposed_by == getattr(staff, kind)


@pytest.mark.parametrize("kind", ["customer_service", "dock", "inspector", "client_account", "customer", "system",
                                  "nobody"])
def test_nobody_else_corrects_a_refund_and_nothing_changes(refunded, staff, kind):
    actor = {
        "client_account": lambda: client_account(refunded.client),
        "customer": lambda: CustomerActor(customer=refunded.customer),
        "system": lambda: SystemActor("test_job"),
        "nobody": lambda: None,
    }.get(kind, lambda: getattr(staff, kind))()
    events = ReturnEvent.objects.count()

    with pytest.raises(PermissionRefused):
        corrections.correct_refund(rma=refunded, actor=actor, amount=Decimal("5.00"), reason=REASON)

    assert refunded.refunds.count() == 1 and ReturnEvent.objects.count() == events


def test_a_correction_to_the_original_payment_goes_to_the_clients_system_and_its_reply_pays_it(staff, merchant,
                                                                                           receiver):
    rma = one_of_two(ReturnState.DISPOSITIONED, staff, client=merchant, refund_method="original_payment")
    refund = services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)
    services.issue_refund(refund=refund, actor=staff.finance, reference="PSP-1")
    correction = services.approve_refund(refund=propose(rma, staff), actor=staff.manager)
    receiver.answers = [Answer(200, {"reference": "PSP-CORR-7"})]

    services.issue_refund(refund=correction, actor=staff.finance)
    message = Message.objects.get(type="refund.requested", payload__data__refund_id=correction.pk)
    assert message.payload["data"]["amount"] == "20.00"
    delivery.deliver(message_pk=message.pk)

    correction = Refund.objects.get(pk=correction.pk)
    assert (correction.status, correction.external_reference) == (RefundStatus.ISSUED, "PSP-CORR-7")
    assert correction.return_request.state == ReturnState.REFUNDED


def test_an_exchanges_correction_goes_back_to_the_original_payment(staff):
    rma = one_of_two(ReturnState.DISPOSITIONED, staff, refund_method="exchange", exchange_sku="KE-TEE-L",
                     policy={"refund_methods": ["exchange", "original_payment"]})
    refund = services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)
    services.issue_refund(refund=refund, actor=staff.finance, reference="SHOP-R-1")

    assert propose(rma, staff).method == "original_payment"


def test_a_charged_back_order_takes_no_correction(refunded, staff):
    Order.objects.filter(pk=refunded.order_id).update(charged_back_at="2026-12-01T10:00:00Z",
                                                      charged_back_note="Bank reversal")

    with pytest.raises(DomainError, match="charged back"):
        propose(refunded, staff)


# -- the return's page ---------------------------------------------------------------------------------------


def correct_url(rma) -> str:
    return reverse("admin:rma_returnrequest_act", args=[rma.pk, "correct-refund"])


def test_finance_corrects_from_the_return_page_and_the_correction_shows_on_it(client, staff, refunded):
    client.force_login(staff.finance)
    page = reverse("admin:rma_returnrequest_change", args=[refunded.pk])
    assert "correct-refund" in [action.name for action in client.get(page).context["offered_actions"]]
    assert client.get(correct_url(refunded)).status_code == 200

    response = client.post(correct_url(refunded), {"amount": "12.50", "reason": REASON}, follow=True)

    correction = refunded.refunds.get(is_correction=True)
    assert (correction.amount, correction.proposed_by) == (Decimal("12.50"), staff.finance)
    shown = response.content.decode()
    assert "Correction proposed" in shown and f'id="panel-correction-{correction.pk}"' in shown
    assert "Correction: 12.50 EUR" in shown and REASON in shown
    listed = client.get(reverse("admin:refunds_refund_changelist") + "?queue=pending").content.decode()
    assert f"correction: {REASON}" in listed


def test_a_correction_above_the_cap_from_the_page_says_why_and_creates_nothing(client, staff, refunded):
    client.force_login(staff.finance)

    response = client.post(correct_url(refunded), {"amount": "60.00", "reason": REASON}, follow=True)

    assert "At most 50.00 EUR more can be refunded" in response.content.decode()
    assert not refunded.refunds.filter(is_correction=True).exists()


@pytest.mark.parametrize("amount", ["", "abc", "1e400", "1.2345"])
def test_a_malformed_amount_on_the_page_is_a_form_error(client, staff, refunded, amount):
    client.force_login(staff.finance)

    response = client.post(correct_url(refunded), {"amount": amount, "reason": REASON})

    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert not refunded.refunds.filter(is_correction=True).exists()


def test_customer_service_is_not_offered_the_correction_and_a_forged_post_is_refused(client, staff, refunded):
    client.force_login(staff.customer_service)
    page = reverse("admin:rma_returnrequest_change", args=[refunded.pk])

    assert "correct-refund" not in [action.name for action in client.get(page).context["offered_actions"]]
    assert client.post(correct_url(refunded), {"amount": "5.00", "reason": REASON}).status_code == 403
    assert not refunded.refunds.filter(is_correction=True).exists()


def test_a_correction_for_a_return_not_yet_refunded_is_refused_with_a_message(client, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)
    client.force_login(staff.finance)

    response = client.post(correct_url(rma), {"amount": "5.00", "reason": REASON}, follow=True)

    assert "only a refunded return" in response.content.decode()
    assert not rma.refunds.filter(is_correction=True).exists()
