"""The refund amount, computed from plain facts so every step can be checked to the cent.

Per DESIGN.md: the unit price paid of every unit owed a refund, minus the restocking fee per unit
whose reason carries it (half-up to the minor unit, per unit), minus the return shipping fee once
per return where the customer pays it. Outbound shipping is never refunded. The result never
exceeds what was paid for those units, nor what the order has left after every earlier refund.
A store-credit bonus, where granted, comes on top as store credit.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, percent_of, quantize


@dataclass(frozen=True)
class UnitFacts:
    item_id: int
    unit_number: int
    order_line_id: int
    sku: str
    unit_price: Decimal
    reason: str
    # None when the unit is owed a refund; otherwise why not ("missing", "does not match the request").
    not_owed_because: str | None = None


@dataclass(frozen=True)
class PolicyTerms:
    restocking_fee_percent: Decimal
    restocking_fee_reasons: frozenset[str]
    return_shipping_fee: Decimal
    customer_pays_shipping_reasons: frozenset[str]
    store_credit_bonus_percent: Decimal


@dataclass(frozen=True)
class RefundComputation:
    amount: Decimal
    bonus_amount: Decimal
    breakdown: dict

    @property
    def nothing_owed(self) -> bool:
        return self.amount == ZERO


def _customer_pays_shipping(units: list[UnitFacts], terms: PolicyTerms) -> bool:
    # One parcel: if any unit came back for a reason the client pays for, the client pays the label.
    return bool(units) and all(unit.reason in terms.customer_pays_shipping_reasons for unit in units)


def compute_refund(
    *,
    units: list[UnitFacts],
    terms: PolicyTerms,
    currency: str,
    order_items_paid: Decimal,
    earlier_refunds: Decimal,
    store_credit: bool,
) -> RefundComputation:
    """`earlier_refunds`: every refund already made or pending on the same order, ours or the client's."""
    owed = [unit for unit in units if unit.not_owed_because is None]
    unit_rows = []
    for unit in owed:
        fee = ZERO
        if unit.reason in terms.restocking_fee_reasons:
            fee = percent_of(unit.unit_price, terms.restocking_fee_percent, currency)
        unit_rows.append({
            "item": unit.item_id, "unit": unit.unit_number, "order_line": unit.order_line_id, "sku": unit.sku,
            "reason": unit.reason, "unit_price": quantize(unit.unit_price, currency), "restocking_fee": fee,
        })
    paid_for_units = sum((row["unit_price"] for row in unit_rows), ZERO)
    restocking_fees = sum((row["restocking_fee"] for row in unit_rows), ZERO)
    shipping_fee = ZERO
    if _customer_pays_shipping(owed, terms):
        shipping_fee = quantize(terms.return_shipping_fee, currency)
    before_cap = max(paid_for_units - restocking_fees - shipping_fee, ZERO)
    cap = max(min(paid_for_units, quantize(order_items_paid - earlier_refunds, currency)), ZERO)
    amount = min(before_cap, cap)
    bonus = ZERO
    if store_credit and amount > ZERO:
        bonus = percent_of(amount, terms.store_credit_bonus_percent, currency)
    breakdown = {
        "currency": currency,
        "units": unit_rows,
        "not_owed": [
            {"item": u.item_id, "unit": u.unit_number, "sku": u.sku, "why": u.not_owed_because}
            for u in units if u.not_owed_because is not None
        ],
        "paid_for_units": paid_for_units,
        "restocking_fees": restocking_fees,
        "return_shipping_fee": shipping_fee,
        "before_cap": before_cap,
        "order_items_paid": quantize(order_items_paid, currency),
        "earlier_refunds": quantize(earlier_refunds, currency),
        "cap": cap,
        "capped": amount < before_cap,
        "amount": amount,
        "store_credit_bonus": bonus,
    }
    return RefundComputation(amount=amount, bonus_amount=bonus, breakdown=_as_json(breakdown))


def _as_json(value):
    """Decimals as strings, so the stored breakdown keeps every digit."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value
