"""recommend_disposition: what the client's rules propose for an inspected unit, and its recovery value."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidInput
from disposition.models import Action
from disposition.services import recommend_disposition
from rma.models import Client, ReturnItem
from tests.factories import (
    DispositionRuleFactory,
    OrderFactory,
    OrderLineFactory,
    Staff,
    client_with_policy,
    inspect_all,
    received_return,
)


def inspected_unit(
    staff: Staff,
    *,
    client: Client | None = None,
    grade: str = "A",
    reason: str = "changed_mind",
    category: str = "shoes",
    sku: str = "SHOE-42",
    unit_price: str = "50.00",
    currency: str = "EUR",
    delivered_days_ago: int = 3,
) -> ReturnItem:
    """One unit of a one-unit return, inspected with `grade`."""
    client = client or client_with_policy(window_days=365)
    delivered_at = timezone.now() - dt.timedelta(days=delivered_days_ago)
    order = OrderFactory(
        client=client, currency=currency, delivered_at=delivered_at, ordered_at=delivered_at - dt.timedelta(days=2),
    )
    line = OrderLineFactory(order=order, sku=sku, category=category, quantity=1, unit_price=Decimal(unit_price))
    rma = received_return(order=order, items=[{"order_line": line, "quantity": 1, "reason": reason}], staff=staff)
    inspect_all(rma, staff, grade=grade)
    return rma.items.get()


def client_of(item: ReturnItem) -> Client:
    return item.return_request.client


# -- without rules, the grade decides ------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "action"),
    [("A", Action.RESTOCK), ("B", Action.RESTOCK), ("C", Action.REFURBISH), ("D", Action.LIQUIDATE),
     ("F", Action.RECYCLE)],
)
def test_without_rules_the_grade_decides_the_action(staff, grade, action):
    item = inspected_unit(staff, grade=grade)

    recommendation = recommend_disposition(item=item)

    assert recommendation.action == action
    assert recommendation.rule is None


def test_without_rules_every_action_is_permitted(staff):
    item = inspected_unit(staff)

    assert set(recommend_disposition(item=item).permitted_actions) == set(Action.values)


# -- which rule decides --------------------------------------------------------------------------


def test_the_first_matching_rule_in_position_order_wins(staff):
    item = inspected_unit(staff)
    DispositionRuleFactory(client=client_of(item), position=2, forced_action=Action.LIQUIDATE)
    first = DispositionRuleFactory(client=client_of(item), position=1, forced_action=Action.RECYCLE)

    recommendation = recommend_disposition(item=item)

    assert (recommendation.action, recommendation.rule) == (Action.RECYCLE, first)


def test_a_rule_that_does_not_match_is_passed_over_for_the_next(staff):
    item = inspected_unit(staff, grade="B")
    DispositionRuleFactory(client=client_of(item), position=1, grades=["F"], forced_action=Action.DISCARD)
    second = DispositionRuleFactory(client=client_of(item), position=2, grades=["B"], forced_action=Action.REPAIR)

    assert recommend_disposition(item=item).rule == second


def test_an_inactive_rule_is_ignored(staff):
    item = inspected_unit(staff)
    DispositionRuleFactory(client=client_of(item), forced_action=Action.DISCARD, is_active=False)

    recommendation = recommend_disposition(item=item)

    assert (recommendation.action, recommendation.rule) == (Action.RESTOCK, None)


def test_another_clients_rule_is_ignored(staff):
    item = inspected_unit(staff)
    DispositionRuleFactory(client=client_with_policy(), forced_action=Action.DISCARD)

    recommendation = recommend_disposition(item=item)

    assert (recommendation.action, recommendation.rule) == (Action.RESTOCK, None)


# -- what a rule matches on ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "unit", "matches"),
    [
        ({"grades": ["C", "D"]}, {"grade": "D"}, True),
        ({"grades": ["C", "D"]}, {"grade": "B"}, False),
        ({"reasons": ["defective"]}, {"reason": "defective"}, True),
        ({"reasons": ["defective"]}, {"reason": "size_fit"}, False),
        ({"categories": ["electronics"]}, {"category": "electronics"}, True),
        ({"categories": ["electronics"]}, {"category": "shoes"}, False),
        ({"skus": ["CAM-1", "CAM-2"]}, {"sku": "CAM-2"}, True),
        ({"skus": ["CAM-1", "CAM-2"]}, {"sku": "CAM-3"}, False),
        ({"min_unit_value": Decimal("100")}, {"unit_price": "100.00"}, True),
        ({"min_unit_value": Decimal("100")}, {"unit_price": "99.99"}, False),
        ({"max_unit_value": Decimal("20")}, {"unit_price": "20.00"}, True),
        ({"max_unit_value": Decimal("20")}, {"unit_price": "20.01"}, False),
        ({"min_days_since_delivery": 30}, {"delivered_days_ago": 45}, True),
        ({"min_days_since_delivery": 30}, {"delivered_days_ago": 3}, False),
        ({"max_days_since_delivery": 7}, {"delivered_days_ago": 3}, True),
        ({"max_days_since_delivery": 7}, {"delivered_days_ago": 10}, False),
    ],
)
def test_a_rule_matches_on_its_condition(staff, condition, unit, matches):
    item = inspected_unit(staff, **unit)
    rule = DispositionRuleFactory(client=client_of(item), forced_action=Action.RETURN_TO_VENDOR, **condition)

    assert (recommend_disposition(item=item).rule == rule) is matches


@pytest.mark.parametrize(("repair_cost", "matches"), [("20.00", True), ("20.01", False), (None, False)])
def test_a_rule_matches_on_the_repair_cost_ratio(staff, repair_cost, matches):
    item = inspected_unit(staff, unit_price="50.00", grade="C")
    rule = DispositionRuleFactory(
        client=client_of(item), max_repair_cost_ratio=Decimal("0.4"), forced_action=Action.REPAIR,
    )

    estimate = Decimal(repair_cost) if repair_cost else None
    recommendation = recommend_disposition(item=item, repair_cost_estimate=estimate)

    assert (recommendation.rule == rule) is matches


def test_a_rule_matches_only_when_every_condition_holds(staff):
    item = inspected_unit(staff, grade="C", reason="defective", category="shoes")
    DispositionRuleFactory(
        client=client_of(item), grades=["C"], reasons=["defective"], categories=["electronics"],
        forced_action=Action.RETURN_TO_VENDOR,
    )

    assert recommend_disposition(item=item).rule is None


# -- forced and allowed actions ------------------------------------------------------------------


def test_a_forced_action_is_recommended_and_the_only_one_permitted(staff):
    item = inspected_unit(staff, grade="A")
    DispositionRuleFactory(client=client_of(item), forced_action=Action.RETURN_TO_VENDOR)

    recommendation = recommend_disposition(item=item)

    assert recommendation.action == Action.RETURN_TO_VENDOR
    assert recommendation.permitted_actions == [Action.RETURN_TO_VENDOR]


def test_allowed_actions_keep_the_grades_usual_action_when_it_is_allowed(staff):
    item = inspected_unit(staff, grade="A")
    DispositionRuleFactory(client=client_of(item), allowed_actions=[Action.LIQUIDATE, Action.RESTOCK])

    recommendation = recommend_disposition(item=item)

    assert recommendation.action == Action.RESTOCK
    assert recommendation.permitted_actions == [Action.LIQUIDATE, Action.RESTOCK]


def test_allowed_actions_without_the_grades_usual_action_recommend_the_first_allowed(staff):
    item = inspected_unit(staff, grade="A")
    DispositionRuleFactory(client=client_of(item), allowed_actions=[Action.REFURBISH, Action.LIQUIDATE])

    assert recommend_disposition(item=item).action == Action.REFURBISH


# -- expected recovery value ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "unit_price", "grade", "expected"),
    [
        ("EUR", "33.33", "C", Decimal("20.00")),  # refurbish: 60% of 33.33 = 19.998
        ("EUR", "50.00", "A", Decimal("50.00")),  # restock: the full price
        ("EUR", "50.00", "F", Decimal("1.00")),  # recycle: 2%
        ("JPY", "999", "C", Decimal("599")),  # 599.4 yen
        ("KWD", "12.345", "D", Decimal("2.469")),  # liquidate: 20% of 12.345
    ],
)
def test_the_expected_recovery_value_is_quantized_to_the_currency(staff, currency, unit_price, grade, expected):
    item = inspected_unit(staff, currency=currency, unit_price=unit_price, grade=grade)

    value = recommend_disposition(item=item).expected_recovery_value

    assert value == expected
    assert value.as_tuple().exponent == expected.as_tuple().exponent


def test_a_repair_cost_is_taken_off_the_expected_recovery_of_a_refurbished_unit(staff):
    item = inspected_unit(staff, unit_price="50.00", grade="C")

    recommendation = recommend_disposition(item=item, repair_cost_estimate=Decimal("12.50"))

    assert recommendation.action == Action.REFURBISH
    assert recommendation.expected_recovery_value == Decimal("17.50")  # 60% of 50.00 less 12.50


# -- what cannot be recommended ------------------------------------------------------------------


def test_a_missing_unit_has_nothing_to_recommend(staff):
    client = client_with_policy(window_days=365)
    order = OrderFactory(client=client)
    line = OrderLineFactory(order=order, quantity=2)
    rma = received_return(order=order, items=[{"order_line": line, "quantity": 2, "reason": "size_fit"}], staff=staff)
    inspect_all(rma, staff, missing=True)

    with pytest.raises(InvalidInput, match="missing"):
        recommend_disposition(item=rma.items.first())


def test_a_unit_not_yet_inspected_has_nothing_to_recommend(staff):
    client = client_with_policy()
    order = OrderFactory(client=client)
    line = OrderLineFactory(order=order, quantity=1)
    rma = received_return(order=order, items=[{"order_line": line, "quantity": 1, "reason": "size_fit"}], staff=staff)

    with pytest.raises(InvalidInput, match="not inspected"):
        recommend_disposition(item=rma.items.get())
