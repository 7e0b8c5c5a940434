"""Managers keep disposition rules in order and test them against a real unit."""

from django.urls import reverse

from disposition.models import DispositionRule
from rma.models import ReturnState
from tests.factories import return_in_state

TEST_VIEW = reverse("admin:disposition_dispositionrule_test")


def test_testing_the_rules_on_a_unit_names_the_rule_that_decides(client, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)
    DispositionRule.objects.create(client=rma.client, position=1, name="Worn goods", grades=["D"],
                                   forced_action="liquidate")
    DispositionRule.objects.create(client=rma.client, position=2, name="Like new shoes", grades=["A"],
                                   categories=["shoes"], forced_action="restock")
    client.force_login(staff.manager)

    response = client.get(TEST_VIEW, {"ran": rma.ran, "unit_number": 1})

    outcome = response.context["outcome"]
    assert [(rule.name, matched) for rule, matched in outcome["rules"]] == [
        ("Worn goods", False), ("Like new shoes", True)]
    assert outcome["recommendation"].rule.name == "Like new shoes"
    assert "by rule “Like new shoes”" in response.content.decode()


def test_testing_an_unknown_unit_says_so(client, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)
    client.force_login(staff.manager)

    response = client.get(TEST_VIEW, {"ran": rma.ran, "unit_number": 9})

    assert "has no unit 9" in response.content.decode() and response.context["outcome"] is None


def test_rules_are_listed_in_order_and_reordered_in_place(client, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    later = DispositionRule.objects.create(client=rma.client, position=5, name="Later", forced_action="recycle")
    first = DispositionRule.objects.create(client=rma.client, position=1, name="First", forced_action="restock")
    client.force_login(staff.manager)

    listed = list(client.get(reverse("admin:disposition_dispositionrule_changelist")).context["cl"].result_list)

    assert listed == [first, later]


def test_finance_cannot_see_the_rules(client, staff):
    client.force_login(staff.finance)

    assert client.get(TEST_VIEW).status_code == 403
