"""Store credit and gift cards are ours to pay: the last approval issues them in the same transaction."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from outbox.models import Message
from refunds.gift_cards import GIFT_CARD_EMAIL, gift_card_balance
from refunds.models import CreditKind, GiftCard, Refund, RefundStatus
from refunds.selectors import store_credit_balance
from refunds.services import approve_refund
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import Staff, return_in_state

pytestmark = pytest.mark.django_db

EVERY_METHOD = ["original_payment", "store_credit", "gift_card"]


def proposed(staff: Staff, method: str, **policy) -> Refund:
    """The 100.00 refund the system proposed for a dispositioned two-unit return, paid by `method`."""
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, refund_method=method,
                          refund_methods=EVERY_METHOD, **policy)
    return rma.refunds.get()


def state_of(refund: Refund) -> str:
    return ReturnRequest.objects.get(pk=refund.return_request_id).state


def emailed_code(refund: Refund) -> str:
    message = Message.objects.get(type=GIFT_CARD_EMAIL)
    return re.search(r"GC(-[0-9A-Z]{4}){4}-[0-9A-Z]", message.payload["body"]).group(0)


def test_approving_a_store_credit_refund_credits_the_ledger_and_refunds_the_return(staff):
    refund = proposed(staff, "store_credit", store_credit_bonus_percent=Decimal("10"))

    refund = approve_refund(refund=refund, actor=staff.finance)

    assert refund.status == RefundStatus.ISSUED
    assert refund.issued_by == staff.finance
    assert state_of(refund) == ReturnState.REFUNDED
    customer = refund.return_request.customer
    assert sorted(refund.credit_entries.values_list("kind", "amount")) == [
        (CreditKind.BONUS, Decimal("10.00")), (CreditKind.REFUND, Decimal("100.00"))
    ]
    assert store_credit_balance(customer=customer, currency="EUR") == Decimal("110.00")
    actions = list(ReturnEvent.objects.filter(return_request_id=refund.return_request_id)
                   .order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["refund_approved", "refund"]


def test_approving_a_gift_card_refund_issues_a_card_worth_it_and_emails_its_code(staff):
    refund = proposed(staff, "gift_card")

    refund = approve_refund(refund=refund, actor=staff.finance)

    assert refund.status == RefundStatus.ISSUED
    assert state_of(refund) == ReturnState.REFUNDED
    card = GiftCard.objects.get(refund=refund)
    rma = refund.return_request
    assert (card.client, card.customer, card.currency) == (rma.client, rma.customer, "EUR")
    message = Message.objects.get(type=GIFT_CARD_EMAIL)
    assert message.destination == rma.customer.email
    code = emailed_code(refund)
    assert code.endswith(f"{card.last_four}-{code[-1]}")
    assert gift_card_balance(code=code).balance == Decimal("100.00")
    assert refund.external_reference == f"gift-card:{card.pk}"


def test_the_full_code_is_stored_nowhere_but_in_the_customers_email(staff):
    refund = approve_refund(refund=proposed(staff, "gift_card"), actor=staff.finance)
    code = emailed_code(refund)
    card = GiftCard.objects.get(refund=refund)

    stored = [str(value) for value in GiftCard.objects.filter(pk=card.pk).values().get().values()]
    assert not any(code.replace("-", "")[2:] in value.replace("-", "") for value in stored)
    assert code not in refund.external_reference


def test_an_original_payment_refund_stays_approved_until_it_is_issued(staff):
    refund = approve_refund(refund=proposed(staff, "original_payment"), actor=staff.finance)

    assert refund.status == RefundStatus.APPROVED
    assert state_of(refund) == ReturnState.DISPOSITIONED
    assert not GiftCard.objects.exists()
    assert not refund.credit_entries.exists()


def test_a_gift_card_waiting_for_its_second_approval_is_not_issued_yet(staff):
    refund = proposed(staff, "gift_card", second_approval_above=Decimal("50"))

    refund = approve_refund(refund=refund, actor=staff.finance)
    assert refund.status == RefundStatus.PENDING_APPROVAL
    assert not GiftCard.objects.exists()

    refund = approve_refund(refund=refund, actor=staff.manager)
    assert refund.status == RefundStatus.ISSUED
    assert GiftCard.objects.filter(refund=refund).exists()


def test_the_admin_says_the_gift_card_was_issued_and_emailed(client, staff):
    refund = proposed(staff, "gift_card")
    client.force_login(staff.finance)

    response = client.post(f"/admin/refunds/refund/{refund.pk}/act/approve/", follow=True)

    card = GiftCard.objects.get(refund=refund)
    assert f"Approved and issued as gift card {card.masked_code}" in response.content.decode()
    assert emailed_code(refund) not in response.content.decode()


@pytest.mark.parametrize("group", ["finance", "manager"])
def test_the_outbox_screens_never_show_the_gift_cards_code(client, staff, group):
    refund = approve_refund(refund=proposed(staff, "gift_card"), actor=staff.finance)
    code = emailed_code(refund)
    email = Message.objects.get(type=GIFT_CARD_EMAIL)
    client.force_login(getattr(staff, group))

    pages = [client.get(reverse("admin:outbox_message_changelist")),
             client.get(reverse("admin:outbox_message_change", args=[email.pk]))]

    assert all(page.status_code == 200 for page in pages)
    assert not any(code in page.content.decode() for page in pages)
    assert "the body is not shown here" in pages[1].content.decode()
