"""Reads of our ledgers that finance's screens share: store-credit accounts and gift cards with balances."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from refunds.ledger_models import GiftCard, GiftCardEntry
from refunds.models import StoreCreditEntry
from rma.models import Client


@dataclass(frozen=True)
class StoreCreditAccount:
    """One customer's store credit in one currency; the customer belongs to one client."""

    customer_id: int
    customer: str
    client: str
    currency: str
    balance: Decimal
    entries: int
    last_entry_at: object


def store_credit_accounts(*, client: Client | None = None, currency: str = "") -> list[StoreCreditAccount]:
    """Every account with at least one entry, per client, customer and currency, with its balance."""
    entries = StoreCreditEntry.objects.all()
    if client is not None:
        entries = entries.filter(customer__client=client)
    if currency:
        entries = entries.filter(currency=currency)
    rows = (
        entries.order_by().values("customer_id", "customer__email", "customer__client__name", "currency")
        .annotate(balance=Sum("amount"), entries=Count("id"), last_entry_at=Max("at"))
        .order_by("customer__client__name", "customer__email", "currency")
    )
    return [
        StoreCreditAccount(
            customer_id=row["customer_id"], customer=row["customer__email"], client=row["customer__client__name"],
            currency=row["currency"], balance=row["balance"], entries=row["entries"],
            last_entry_at=row["last_entry_at"],
        )
        for row in rows
    ]


def gift_cards_with_balance() -> QuerySet[GiftCard]:
    """Gift cards with their `balance` (the sum of their entries), in one query whatever the rows."""
    total = (
        GiftCardEntry.objects.filter(card=OuterRef("pk")).order_by().values("card")
        .annotate(total=Sum("amount")).values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=3)
    return GiftCard.objects.select_related("client", "customer", "refund__return_request").annotate(
        balance=Coalesce(Subquery(total, output_field=money), Value(Decimal(0)), output_field=money)
    )
