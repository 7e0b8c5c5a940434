"""Money reads the same on every screen: the currency's own decimals, thousands grouped, the currency after."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.money import format_money
from rma.models import ReturnState
from tests.factories import client_with_policy, order_for, return_in_state


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (Decimal("79.400"), "EUR", "79.40 EUR"),
    (Decimal("1299"), "USD", "1,299.00 USD"),
    (Decimal("0.000"), "JPY", "0 JPY"),
    (Decimal("1500.000"), "jpy", "1,500 JPY"),
    (Decimal("12.5"), "KWD", "12.500 KWD"),
    ("24.955", "EUR", "24.96 EUR"),
    (Decimal("-5"), "EUR", "-5.00 EUR"),
    (None, "EUR", "–"),
])
def test_an_amount_is_shown_with_its_currency_and_its_decimals(amount, currency, shown):
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(("currency", "unit_price", "shown", "raw"), [
    ("USD", "1299.00", "1,299.00 USD", "1299.000"),
    ("JPY", "1500", "1,500 JPY", "1500.000"),
])
def test_every_screen_of_a_refund_shows_its_amount_the_same_way(client, staff, currency, unit_price, shown, raw):
    owner = client_with_policy(auto_authorize=False)
    order = order_for(owner, quantity=1, unit_price=unit_price, currency=currency)
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, reason="defective",
                          client=owner, order=order)
    refund = rma.refunds.get()
    client.force_login(staff.manager)

    pages = {
        "refund queue": reverse("admin:refunds_refund_changelist"),
        "refund page": reverse("admin:refunds_refund_change", args=[refund.pk]),
        "return page": reverse("admin:rma_returnrequest_change", args=[rma.pk]),
        "returns list": reverse("admin:rma_returnrequest_changelist"),
        "dashboard": reverse("admin:index"),
    }
    for name, url in pages.items():
        page = client.get(url).content.decode()
        assert shown in page, name
        assert raw not in page, name
