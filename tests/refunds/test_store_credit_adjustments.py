"""adjust_store_credit and the ledger's admin: entries only from services, corrections as new entries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.actors import CustomerActor, SystemActor
from core.errors import InvalidInput, PermissionRefused
from refunds.models import CreditKind, StoreCreditEntry
from refunds.selectors import store_credit_balance
from refunds.services import adjust_store_credit
from tests.factories import CustomerFactory

LEDGER = reverse("admin:refunds_storecreditentry_changelist")
ADJUST = reverse("admin:refunds_storecreditentry_add")


def adjust(customer, actor, amount: str, currency: str = "EUR", reason: str = "Goodwill after a late refund"):
    return adjust_store_credit(customer=customer, actor=actor, amount=Decimal(amount), currency=currency,
                               reason=reason)


def test_an_adjustment_is_a_new_entry_with_who_and_why(staff):
    customer = CustomerFactory()

    entry = adjust(customer, staff.finance, "15.00")

    assert (entry.kind, entry.amount, entry.created_by, entry.note) == (
        CreditKind.ADJUSTMENT, Decimal("15.00"), staff.finance, "Goodwill after a late refund"
    )
    assert store_credit_balance(customer=customer, currency="EUR") == Decimal("15.00")


def test_a_negative_adjustment_never_takes_the_balance_below_nothing(staff):
    customer = CustomerFactory()
    adjust(customer, staff.finance, "10.00")

    with pytest.raises(InvalidInput, match="below nothing"):
        adjust(customer, staff.finance, "-10.01")

    adjust(customer, staff.finance, "-10.00")
    assert store_credit_balance(customer=customer, currency="EUR") == Decimal("0.00")


@pytest.mark.parametrize(("amount", "currency", "reason", "message"), [
    ("0", "EUR", "Typo", "nothing"),
    ("1.001", "EUR", "Typo", "decimals"),
    ("1.5", "JPY", "Typo", "decimals"),
    ("1000000", "EUR", "Typo", "less than"),
    ("5", "EURO", "Typo", "three-letter"),
    ("5", "EUR", "  ", "why"),
])
def test_bad_adjustments_are_refused_and_write_nothing(amount, currency, reason, message, staff):
    with pytest.raises(InvalidInput, match=message):
        adjust(CustomerFactory(), staff.finance, amount, currency=currency, reason=reason)

    assert not StoreCreditEntry.objects.exists()


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector"])
def test_only_finance_and_managers_adjust(group, staff):
    with pytest.raises(PermissionRefused):
        adjust(CustomerFactory(), getattr(staff, group), "5.00")


@pytest.mark.parametrize("actor", [None, SystemActor("nightly")], ids=["nobody", "system"])
def test_no_job_and_nobody_adjusts(actor, db):
    with pytest.raises(PermissionRefused):
        adjust(CustomerFactory(), actor, "5.00")


def test_a_customer_cannot_credit_themselves(db):
    customer = CustomerFactory()

    with pytest.raises(PermissionRefused):
        adjust(customer, CustomerActor(customer=customer), "500.00")


# -- the ledger's admin ----------------------------------------------------------------------------


def test_the_admin_adjusts_through_the_service(client, staff):
    customer = CustomerFactory()
    client.force_login(staff.finance)

    response = client.post(ADJUST, {"client": customer.client_id, "email": customer.email.upper(),
                                    "currency": "EUR", "amount": "12.50", "reason": "Voucher not applied"})

    assert response.status_code == 302
    entry = StoreCreditEntry.objects.get()
    assert (entry.customer, entry.amount, entry.created_by) == (customer, Decimal("12.50"), staff.finance)


def test_the_admin_shows_why_an_adjustment_is_refused(client, staff):
    customer = CustomerFactory()
    client.force_login(staff.finance)

    response = client.post(ADJUST, {"client": customer.client_id, "email": customer.email, "currency": "EUR",
                                    "amount": "-1.00", "reason": "Spent elsewhere"})

    assert response.status_code == 200 and "below nothing" in response.content.decode()
    assert not StoreCreditEntry.objects.exists()


def test_an_unknown_customer_is_a_form_error(client, staff):
    customer = CustomerFactory()
    client.force_login(staff.finance)

    response = client.post(ADJUST, {"client": customer.client_id, "email": "nobody@example.com",
                                    "currency": "EUR", "amount": "1.00", "reason": "x"})

    assert response.status_code == 200 and "has no customer with this email" in response.content.decode()


def test_ledger_entries_cannot_be_changed_in_the_admin(client, staff):
    entry = adjust(CustomerFactory(), staff.finance, "5.00")
    client.force_login(staff.manager)
    change = reverse("admin:refunds_storecreditentry_change", args=[entry.pk])

    client.post(change, {"amount": "500.00"})
    client.post(LEDGER, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})

    assert StoreCreditEntry.objects.get().amount == Decimal("5.00")


def test_customer_service_cannot_open_the_adjustment_form(client, staff):
    client.force_login(staff.customer_service)

    assert client.get(ADJUST).status_code == 403
