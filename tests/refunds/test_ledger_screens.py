"""Finance's screens of our ledgers: store-credit accounts with balances, one account's entries, gift cards."""

from decimal import Decimal

import pytest
from django.urls import reverse

from refunds.models import GiftCard
from refunds.services import adjust_store_credit
from tests.factories import ClientFactory, CustomerFactory
from tests.refunds.gift_card_data import issued_gift_card

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("admin:refunds_storecreditaccount_changelist")
LEDGER = reverse("admin:refunds_storecreditentry_changelist")
GIFT_CARDS = reverse("admin:refunds_giftcard_changelist")


def credit(customer, actor, amount: str, currency: str = "EUR"):
    adjust_store_credit(customer=customer, actor=actor, amount=Decimal(amount), currency=currency,
                        reason="Goodwill")


@pytest.fixture
def two_accounts(staff):
    """Ann at Acme holds 15.00 EUR and 2000 JPY; Bob at Zenith holds 7.50 EUR."""
    ann = CustomerFactory(client=ClientFactory(name="Acme"), email="ann@example.com")
    bob = CustomerFactory(client=ClientFactory(name="Zenith"), email="bob@example.com")
    credit(ann, staff.finance, "20.00")
    credit(ann, staff.finance, "-5.00")
    credit(ann, staff.finance, "2000", currency="JPY")
    credit(bob, staff.finance, "7.50")
    return ann, bob


@pytest.mark.parametrize("group", ["finance", "manager"])
def test_finance_sees_every_account_with_its_balance_per_client_and_currency(client, staff, two_accounts, group):
    client.force_login(getattr(staff, group))

    response = client.get(ACCOUNTS)

    assert response.status_code == 200
    rows = [(a.client, a.customer, a.currency, a.balance, a.entries) for a, _ in response.context["rows"]]
    assert rows == [
        ("Acme", "ann@example.com", "EUR", Decimal("15.00"), 2),
        ("Acme", "ann@example.com", "JPY", Decimal("2000"), 1),
        ("Zenith", "bob@example.com", "EUR", Decimal("7.50"), 1),
    ]
    assert "15.00 EUR" in response.content.decode()


def test_the_accounts_filter_by_client_and_currency(client, staff, two_accounts):
    ann, _ = two_accounts
    client.force_login(staff.finance)

    response = client.get(ACCOUNTS, {"client": ann.client_id, "currency": "eur"})

    assert [(a.customer, a.currency) for a, _ in response.context["rows"]] == [("ann@example.com", "EUR")]


def test_a_bad_filter_is_a_message_not_an_error(client, staff, two_accounts):
    client.force_login(staff.finance)

    response = client.get(ACCOUNTS, {"client": "nobody", "currency": "EURO"})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "three-letter code" in response.content.decode()


def test_an_accounts_link_opens_just_its_ledger_entries(client, staff, two_accounts):
    client.force_login(staff.finance)
    account, link = client.get(ACCOUNTS).context["rows"][0]

    response = client.get(link)

    assert response.status_code == 200
    entries = list(response.context["cl"].queryset)
    assert sorted(entry.amount for entry in entries) == [Decimal("-5.00"), Decimal("20.00")]
    assert {entry.customer_id for entry in entries} == {account.customer_id}


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector"])
def test_the_floor_does_not_see_the_ledgers(client, staff, two_accounts, group):
    client.force_login(getattr(staff, group))

    assert client.get(ACCOUNTS).status_code == 403
    assert client.get(GIFT_CARDS).status_code == 403


def test_finance_sees_gift_cards_by_their_last_four_symbols_with_their_balance(client, staff):
    code = issued_gift_card(staff)
    card = GiftCard.objects.get()
    client.force_login(staff.finance)

    listing = client.get(GIFT_CARDS).content.decode()
    page = client.get(reverse("admin:refunds_giftcard_change", args=[card.pk])).content.decode()

    assert card.masked_code in listing and "100.00 EUR" in listing
    assert "100.00 EUR" in page and "Refund for return" in page
    assert code not in listing and code not in page
