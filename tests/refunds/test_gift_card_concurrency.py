"""Two tills redeeming the same gift card at the same moment: the card's row lock keeps it from overdrawing.

On PostgreSQL in real transactions, one connection per thread (as tests/refunds/test_refund_concurrency.py).
"""

from decimal import Decimal

import pytest

from core.errors import InvalidInput
from refunds.gift_cards import gift_card_balance, redeem_gift_card
from refunds.models import GiftCardEntry, GiftCardEntryKind
from tests.factories import Staff
from tests.refunds.gift_card_data import issued_gift_card
from tests.refunds.test_refund_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_redemptions_at_once_of_more_than_half_spend_the_card_once(postgres_only):
    staff = Staff()
    code = issued_gift_card(staff)

    outcomes = at_once(*(
        lambda reference=reference: redeem_gift_card(code=code, amount=Decimal("60.00"), actor=staff.finance,
                                                     reference=reference)
        for reference in ("TILL-1", "TILL-2")
    ))

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["GiftCardEntry", "InvalidInput"]
    refused = next(outcome for outcome in outcomes if isinstance(outcome, InvalidInput))
    assert "holds 40.00 EUR" in refused.message
    assert gift_card_balance(code=code).balance == Decimal("40.00")


def test_the_same_redemption_sent_twice_at_once_is_applied_once(postgres_only):
    staff = Staff()
    code = issued_gift_card(staff)

    first, second = at_once(*(
        lambda: redeem_gift_card(code=code, amount=Decimal("25.00"), actor=staff.finance, reference="ORDER-7")
        for _ in range(2)
    ))

    assert isinstance(first, GiftCardEntry) and isinstance(second, GiftCardEntry)
    assert first.pk == second.pk
    assert GiftCardEntry.objects.filter(kind=GiftCardEntryKind.REDEMPTION).count() == 1
    assert gift_card_balance(code=code).balance == Decimal("75.00")
