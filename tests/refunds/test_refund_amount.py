"""The refund amount, worked to the cent: on the pure calculation, then end to end through propose_refund.

DESIGN.md: the unit price paid of every unit owed a refund, minus the restocking fee per unit whose
reason carries it (half-up per unit), minus the return shipping fee once per return where the
customer pays it; never more than was paid for those units, nor than the order has left after every
earlier refund; a store-credit bonus on top; quantized to the currency's minor unit.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from inspection.services import record_inspection
from refunds import services as refund_services
from refunds.calculation import PolicyTerms, UnitFacts, compute_refund
from refunds.models import Refund
from rma.models import Order, ReturnRequest
from tests.factories import Staff, client_with_policy, disposition_all, order_for, received_return

NO_FEES = PolicyTerms(
    restocking_fee_percent=Decimal("0"),
    restocking_fee_reasons=frozenset(),
    return_shipping_fee=Decimal("0"),
    customer_pays_shipping_reasons=frozenset(),
    store_credit_bonus_percent=Decimal("0"),
)
RESTOCKING_FEE = {"restocking_fee_percent": Decimal("15"), "restocking_fee_reasons": ["changed_mind", "size_fit"]}
RETURN_SHIPPING = {
    "return_shipping_fee": Decimal("5.95"), "customer_pays_shipping_reasons": ["changed_mind", "size_fit"],
}
STORE_CREDIT_BONUS = {"store_credit_bonus_percent": Decimal("10")}


def terms(**policy) -> PolicyTerms:
    """The calculation's terms for the same policy fields the end-to-end tests give the client."""
    return replace(NO_FEES, **{key: frozenset(value) if isinstance(value, list) else value
                               for key, value in policy.items()})


def unit(price: str, reason: str = "changed_mind", *, number: int = 1, not_owed_because: str | None = None):
    return UnitFacts(
        item_id=number, unit_number=number, order_line_id=1, sku="SHOE-42", unit_price=Decimal(price),
        reason=reason, not_owed_because=not_owed_because,
    )


def computed(*units: UnitFacts, policy: dict | None = None, currency: str = "EUR", order_items_paid: str | None = None,
             earlier_refunds: str = "0", store_credit: bool = False):
    paid = Decimal(order_items_paid) if order_items_paid else sum((u.unit_price for u in units), Decimal(0))
    return compute_refund(
        units=list(units), terms=terms(**(policy or {})), currency=currency, order_items_paid=paid,
        earlier_refunds=Decimal(earlier_refunds), store_credit=store_credit,
    )


def leaves(value):
    """Every scalar in a stored breakdown."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


FOUND_AS_REQUESTED = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


def received(
    staff: Staff, *reasons: str, unit_price: str = "50.00", delivered: int | None = None, currency: str = "EUR",
    refund_method: str | None = None, order: Order | None = None, **policy,
) -> ReturnRequest:
    """A return of one unit per reason, of an order of `delivered` units (as many as returned by default)."""
    if order is None:
        client = client_with_policy(**policy)
        order = order_for(client, quantity=delivered or len(reasons), unit_price=unit_price, currency=currency)
    line = order.lines.get()
    items = [{"order_line": line, "quantity": 1, "reason": reason} for reason in reasons]
    return received_return(order=order, items=items, staff=staff, refund_method=refund_method)


def proposed_refund(rma: ReturnRequest, staff: Staff, findings: dict[int, dict] | None = None) -> Refund | None:
    """Inspect every unit (as requested unless `findings` says otherwise), disposition them, and return the
    refund the system proposed."""
    findings = findings or {}
    for item in rma.items.order_by("unit_number"):
        found = {**FOUND_AS_REQUESTED, **findings.get(item.unit_number, {})}
        record_inspection(item=item, actor=staff.inspector, **found)
    disposition_all(ReturnRequest.objects.get(pk=rma.pk), staff)
    return rma.refunds.first()


# -- the calculation -----------------------------------------------------------------------------


def test_plain_refund_is_the_price_paid_for_every_unit():
    result = computed(unit("50.00", number=1), unit("50.00", number=2))

    assert result.amount == Decimal("100.00")


def test_restocking_fee_of_15_percent_on_33_33_is_5_00_per_unit():
    result = computed(unit("33.33"), policy=RESTOCKING_FEE)

    assert result.breakdown["units"][0]["restocking_fee"] == "5.00"  # 4.9995 rounded to the cent
    assert result.amount == Decimal("28.33")


def test_restocking_fee_rounds_a_half_cent_up_per_unit():
    # 15% of 11.50 is 1.725 per unit: 1.73 each (half-up, not half-even 1.72), 3.46 for two
    # (not 3.45, the fee on the total of 23.00)
    result = computed(unit("11.50", number=1), unit("11.50", number=2), policy=RESTOCKING_FEE)

    assert [row["restocking_fee"] for row in result.breakdown["units"]] == ["1.73", "1.73"]
    assert result.amount == Decimal("19.54")


def test_restocking_fee_is_charged_only_for_reasons_that_carry_it():
    result = computed(unit("40.00", "changed_mind", number=1), unit("40.00", "defective", number=2),
                      policy=RESTOCKING_FEE)

    assert [Decimal(row["restocking_fee"]) for row in result.breakdown["units"]] == [Decimal("6.00"), 0]
    assert result.amount == Decimal("74.00")


def test_return_shipping_fee_is_deducted_once_when_the_customer_pays_for_every_unit():
    result = computed(unit("50.00", "changed_mind", number=1), unit("50.00", "size_fit", number=2),
                      policy=RETURN_SHIPPING)

    assert result.amount == Decimal("94.05")


def test_return_shipping_fee_is_not_deducted_when_one_unit_is_defective():
    result = computed(unit("50.00", "changed_mind", number=1), unit("50.00", "defective", number=2),
                      policy=RETURN_SHIPPING)

    assert result.amount == Decimal("100.00")


def test_return_shipping_fee_is_judged_on_the_units_owed_a_refund():
    # The defective unit was not in the parcel: the one owed came back because the customer changed their mind.
    result = computed(unit("50.00", "changed_mind", number=1),
                      unit("50.00", "defective", number=2, not_owed_because="missing from the parcel"),
                      policy=RETURN_SHIPPING)

    assert result.amount == Decimal("44.05")


def test_missing_and_mismatched_units_are_not_refunded():
    result = computed(
        unit("50.00", number=1, not_owed_because="missing from the parcel"),
        unit("50.00", number=2, not_owed_because="does not match the request"),
        unit("50.00", number=3),
    )

    assert result.amount == Decimal("50.00")
    assert [row["unit"] for row in result.breakdown["not_owed"]] == [1, 2]


def test_nothing_is_owed_when_no_unit_is_owed_a_refund():
    result = computed(unit("50.00", not_owed_because="missing from the parcel"))

    assert result.nothing_owed
    assert result.amount == Decimal("0")


def test_store_credit_bonus_comes_on_top_as_a_separate_amount():
    result = computed(unit("50.00", number=1), unit("50.00", number=2), policy=STORE_CREDIT_BONUS, store_credit=True)

    assert (result.amount, result.bonus_amount) == (Decimal("100.00"), Decimal("10.00"))


def test_store_credit_bonus_is_granted_only_for_store_credit():
    result = computed(unit("50.00"), policy=STORE_CREDIT_BONUS, store_credit=False)

    assert result.bonus_amount == Decimal("0")


def test_store_credit_bonus_is_on_the_amount_after_fees():
    result = computed(unit("33.33"), policy={**RESTOCKING_FEE, **STORE_CREDIT_BONUS}, store_credit=True)

    assert result.bonus_amount == Decimal("2.83")  # 10% of 28.33


def test_partial_return_refunds_only_the_units_returned():
    result = computed(unit("50.00"), order_items_paid="150.00")

    assert result.amount == Decimal("50.00")


def test_earlier_refunds_on_the_order_cap_the_amount():
    result = computed(unit("50.00", number=1), unit("50.00", number=2), earlier_refunds="70.00")

    assert result.amount == Decimal("30.00")
    assert result.breakdown["capped"] is True


def test_earlier_refunds_elsewhere_on_the_order_leave_these_units_whole_while_enough_remains():
    result = computed(unit("50.00"), order_items_paid="150.00", earlier_refunds="100.00")

    assert result.amount == Decimal("50.00")
    assert result.breakdown["capped"] is False


@pytest.mark.parametrize("earlier_refunds", ["0", "30.00", "100.00", "149.99", "150.00", "400.00"])
def test_the_amount_never_exceeds_what_was_paid_for_the_units_nor_what_the_order_has_left(earlier_refunds):
    result = computed(unit("50.00", number=1), unit("50.00", number=2), order_items_paid="150.00",
                      earlier_refunds=earlier_refunds)

    assert Decimal(0) <= result.amount <= Decimal("100.00")
    assert result.amount <= max(Decimal("150.00") - Decimal(earlier_refunds), Decimal(0))


def test_fees_larger_than_the_units_leave_nothing_never_a_negative_amount():
    result = computed(unit("3.00"), policy={"return_shipping_fee": Decimal("5.95"),
                                            "customer_pays_shipping_reasons": ["changed_mind"]})

    assert result.amount == Decimal("0")


def test_yen_have_no_minor_unit():
    result = computed(unit("1030"), policy={**RESTOCKING_FEE, **STORE_CREDIT_BONUS}, currency="JPY", store_credit=True)

    assert result.breakdown["units"][0]["restocking_fee"] == "155"  # 154.5 yen, half-up
    assert result.amount == Decimal("875")
    assert result.bonus_amount == Decimal("88")  # 87.5 yen
    assert result.amount.as_tuple().exponent == 0


def test_kuwaiti_dinars_have_three_decimals():
    result = computed(unit("12.345"), policy=RESTOCKING_FEE, currency="KWD")

    assert result.breakdown["units"][0]["restocking_fee"] == "1.852"  # 1.85175
    assert result.amount == Decimal("10.493")
    assert result.amount.as_tuple().exponent == -3


def test_amounts_are_decimals_and_the_breakdown_keeps_them_as_exact_strings():
    result = computed(unit("33.33"), policy={**RESTOCKING_FEE, **STORE_CREDIT_BONUS}, store_credit=True)

    assert isinstance(result.amount, Decimal) and isinstance(result.bonus_amount, Decimal)
    assert not any(isinstance(value, float) for value in leaves(result.breakdown))
    assert result.breakdown["amount"] == "28.33"



# -- end to end: the refund proposed when the last unit has its disposition -------------------------


def test_proposed_plain_refund(staff):
    rma = received(staff, "defective", "defective")

    refund = proposed_refund(rma, staff)

    assert (refund.amount, refund.currency) == (Decimal("100.00"), "EUR")


def test_proposed_refund_takes_a_5_00_restocking_fee_off_a_33_33_unit(staff):
    rma = received(staff, "changed_mind", unit_price="33.33", **RESTOCKING_FEE)

    assert proposed_refund(rma, staff).amount == Decimal("28.33")


def test_proposed_refund_rounds_each_units_half_cent_fee_up(staff):
    rma = received(staff, "size_fit", "size_fit", unit_price="11.50", **RESTOCKING_FEE)

    assert proposed_refund(rma, staff).amount == Decimal("19.54")


def test_proposed_refund_charges_the_restocking_fee_only_for_reasons_that_carry_it(staff):
    rma = received(staff, "changed_mind", "defective", unit_price="40.00", **RESTOCKING_FEE)

    assert proposed_refund(rma, staff).amount == Decimal("74.00")


def test_proposed_refund_deducts_customer_paid_return_shipping_once(staff):
    rma = received(staff, "changed_mind", "size_fit", **RETURN_SHIPPING)

    assert proposed_refund(rma, staff).amount == Decimal("94.05")


def test_proposed_refund_keeps_the_return_shipping_fee_when_a_unit_is_defective(staff):
    rma = received(staff, "changed_mind", "defective", **RETURN_SHIPPING)

    assert proposed_refund(rma, staff).amount == Decimal("100.00")


def test_proposed_refund_leaves_out_missing_and_mismatched_units(staff):
    rma = received(staff, "defective", "defective", "defective")

    refund = proposed_refund(rma, staff, findings={1: {"missing": True}, 2: {"matches_request": False}})

    assert refund.amount == Decimal("50.00")
    assert [(row["unit"], row["why"]) for row in refund.breakdown["not_owed"]] == [
        (1, "missing from the parcel"), (2, "does not match the request"),
    ]


def test_proposed_store_credit_refund_carries_the_bonus_separately(staff):
    rma = received(staff, "defective", "defective", refund_method="store_credit", **STORE_CREDIT_BONUS)

    refund = proposed_refund(rma, staff)

    assert (refund.method, refund.amount, refund.bonus_amount) == ("store_credit", Decimal("100.00"), Decimal("10.00"))


def test_proposed_refund_to_the_original_payment_carries_no_bonus(staff):
    rma = received(staff, "defective", refund_method="original_payment", **STORE_CREDIT_BONUS)

    assert proposed_refund(rma, staff).bonus_amount == Decimal("0")


def test_proposed_refund_of_one_unit_out_of_three(staff):
    rma = received(staff, "defective", delivered=3)

    refund = proposed_refund(rma, staff)

    assert refund.amount == Decimal("50.00")
    assert refund.breakdown["order_items_paid"] == "150.00"


def test_proposed_refund_is_capped_by_a_goodwill_refund_the_client_made_on_the_order(staff):
    rma = received(staff, "defective", "defective")
    Order.objects.filter(pk=rma.order_id).update(refunded_outside=Decimal("70.00"))

    refund = proposed_refund(rma, staff)

    assert refund.amount == Decimal("30.00")
    assert refund.breakdown["earlier_refunds"] == "70.00"


def test_proposed_refund_is_capped_by_an_earlier_returns_refund_and_a_goodwill_refund(staff):
    first = received(staff, "defective", "defective", delivered=3)
    earlier = proposed_refund(first, staff)
    refund_services.approve_refund(refund=earlier, actor=staff.finance)
    refund_services.issue_refund(refund=earlier, actor=staff.finance, reference="PSP-1")
    Order.objects.filter(pk=first.order_id).update(refunded_outside=Decimal("30.00"))
    second = received(staff, "defective", order=first.order)

    refund = proposed_refund(second, staff)

    assert refund.amount == Decimal("20.00")  # 150.00 paid for the order, less 100.00 and 30.00 refunded


def test_a_denied_earlier_refund_does_not_count_against_the_order(staff):
    first = received(staff, "defective", "defective", delivered=3)
    refund_services.deny_refund(refund=proposed_refund(first, staff), actor=staff.finance, reason="Worn")
    second = received(staff, "defective", order=first.order)

    assert proposed_refund(second, staff).amount == Decimal("50.00")


def test_proposed_refund_in_yen(staff):
    rma = received(staff, "changed_mind", unit_price="1030", currency="JPY", **RESTOCKING_FEE)

    refund = proposed_refund(rma, staff)

    assert (refund.amount, refund.currency) == (Decimal("875"), "JPY")
    assert refund.breakdown["amount"] == "875"


def test_proposed_refund_in_kuwaiti_dinars(staff):
    rma = received(staff, "changed_mind", unit_price="12.345", currency="KWD", **RESTOCKING_FEE)

    refund = proposed_refund(rma, staff)

    assert (refund.amount, refund.currency) == (Decimal("10.493"), "KWD")
    assert refund.breakdown["amount"] == "10.493"


def test_outbound_shipping_is_never_refunded(staff):
    rma = received(staff, "defective", "defective")
    Order.objects.filter(pk=rma.order_id).update(outbound_shipping_paid=Decimal("4.95"))

    refund = proposed_refund(rma, staff)

    assert refund.amount == Decimal("100.00")
    assert refund.breakdown["order_items_paid"] == "100.00"


def test_the_stored_amount_is_a_decimal(staff):
    rma = received(staff, "changed_mind", unit_price="33.33", refund_method="store_credit",
                   **RESTOCKING_FEE, **STORE_CREDIT_BONUS)
    proposed_refund(rma, staff)

    refund = Refund.objects.get(return_request=rma)

    assert isinstance(refund.amount, Decimal) and isinstance(refund.bonus_amount, Decimal)
    assert (refund.amount, refund.bonus_amount) == (Decimal("28.33"), Decimal("2.83"))


def test_the_stored_breakdown_adds_up_to_the_amount(staff):
    rma = received(staff, "changed_mind", "size_fit", "defective", unit_price="33.33",
                   **RESTOCKING_FEE, **RETURN_SHIPPING)

    refund = proposed_refund(rma, staff, findings={3: {"missing": True}})

    breakdown = refund.breakdown
    prices = sum(Decimal(row["unit_price"]) for row in breakdown["units"])
    fees = sum(Decimal(row["restocking_fee"]) for row in breakdown["units"])
    assert (prices, fees) == (Decimal(breakdown["paid_for_units"]), Decimal(breakdown["restocking_fees"]))
    assert prices - fees - Decimal(breakdown["return_shipping_fee"]) == Decimal(breakdown["before_cap"])
    assert Decimal(breakdown["amount"]) == refund.amount == Decimal("50.71")  # 66.66 - 10.00 - 5.95
