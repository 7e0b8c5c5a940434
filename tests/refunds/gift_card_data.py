"""A gift card issued the way the floor issues one: a gift-card refund approved by finance."""

import re

from outbox.models import Message
from refunds.gift_cards import GIFT_CARD_EMAIL
from refunds.services import approve_refund
from rma.models import ReturnState
from tests.factories import Staff, return_in_state


def issued_gift_card(staff: Staff, **policy) -> str:
    """The code of a new 100.00 EUR gift card, read from the email to the customer."""
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, refund_method="gift_card",
                          refund_methods=["original_payment", "gift_card"], **policy)
    refund = approve_refund(refund=rma.refunds.get(), actor=staff.finance)
    body = Message.objects.get(type=GIFT_CARD_EMAIL, idempotency_key=f"gift-card:{refund.gift_card.pk}").payload["body"]
    return re.search(r"GC(-[0-9A-Z]{4}){4}-[0-9A-Z]", body).group(0)
