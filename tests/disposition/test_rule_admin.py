"""Managers keep disposition rules in order and test them against a real unit."""

import pytest
from django.urls import reverse

from core.errors import DomainError, InvalidInput, PermissionRefused
from disposition import services
from disposition.models import Disposition, DispositionRule
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
    assert [(rule.name, misses) for rule, misses in outcome["rules"]] == [
        ("Worn goods", ["grade is A, not D"]), ("Like new shoes", [])]
    assert outcome["recommendation"].rule.name == "Like new shoes"
    assert "by rule “Like new shoes”" in response.content.decode()


def test_a_unit_not_inspected_yet_is_tested_with_the_grade_entered(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    DispositionRule.objects.create(client=rma.client, position=1, name="Worn goods", grades=["C", "D"],
                                   forced_action="liquidate")
    client.force_login(staff.manager)

    without_grade = client.get(TEST_VIEW, {"ran": rma.ran, "unit_number": 1})
    with_grade = client.get(TEST_VIEW, {"ran": rma.ran, "unit_number": 1, "grade": "D"})

    assert without_grade.context["outcome"] is None and "not inspected yet" in without_grade.content.decode()
    assert with_grade.context["outcome"]["recommendation"].rule.name == "Worn goods"
    assert with_grade.context["outcome"]["recommendation"].action == "liquidate"


def test_each_rule_says_which_of_its_conditions_the_unit_fails(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)  # a 50.00 EUR unit, changed mind
    DispositionRule.objects.create(
        client=rma.client, position=1, name="Cheap defective shoes", grades=["C", "D"], reasons=["defective"],
        categories=["outerwear"], max_unit_value="40.00", forced_action="recycle",
    )
    DispositionRule.objects.create(client=rma.client, position=2, name="Worth a repair", max_repair_cost_ratio="0.3",
                                   forced_action="repair")
    client.force_login(staff.manager)

    response = client.get(TEST_VIEW, {"ran": rma.ran, "unit_number": 1, "grade": "B"})

    misses = dict((rule.name, misses) for rule, misses in response.context["outcome"]["rules"])
    category = rma.items.get().order_line.category or "none"
    assert misses["Cheap defective shoes"] == [
        "grade is B, not C or D", f"reason is {rma.items.get().get_reason_display()}, not Defective",
        f"category is {category}, not outerwear", "unit value 50.00 EUR is not at most 40.00 EUR",
    ]
    assert misses["Worth a repair"] == [
        "no repair cost estimate: the rule needs repair cost at most 30% of the unit value"
    ]
    page = response.content.decode()
    assert "Grade is B, not C or D" in page and "Unit value 50.00 EUR is not at most 40.00 EUR" in page


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


# -- versions ------------------------------------------------------------------------------------

RULES = reverse("admin:disposition_dispositionrule_changelist")


def rule_form(client_id: int, **terms) -> dict:
    form = {"client": client_id, "name": "Worn goods", "position": 1, "is_active": "on", "grades": ["D"],
            "categories": "", "skus": "", "forced_action": "liquidate"}
    form.update(terms)
    return form


def test_a_rules_conditions_are_ticked_and_typed_not_json(client, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    client.force_login(staff.manager)

    page = client.get(reverse("admin:disposition_dispositionrule_add")).content.decode()
    client.post(reverse("admin:disposition_dispositionrule_add"), rule_form(
        rma.client.pk, grades=["D", "C"], reasons=["defective"], categories="shoes, boots\nshoes",
        skus="", forced_action="", allowed_actions=["liquidate", "refurbish"],
    ))

    assert 'type="checkbox" name="grades" value="C"' in page and '<textarea name="categories"' in page
    rule = DispositionRule.objects.get()
    assert (rule.grades, rule.reasons) == (["C", "D"], ["defective"])
    assert (rule.categories, rule.skus) == (["shoes", "boots"], [])
    assert rule.allowed_actions == ["refurbish", "liquidate"]


def test_editing_a_rule_publishes_a_new_version_and_the_old_disposition_keeps_its_own(client, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=2)
    rule = services.publish_disposition_rule(client=rma.client, actor=staff.manager, name="All to vendor",
                                             forced_action="return_to_vendor")
    decided = services.confirm_disposition(item=rma.items.get(unit_number=1), actor=staff.inspector)
    client.force_login(staff.manager)

    client.post(reverse("admin:disposition_dispositionrule_change", args=[rule.pk]),
                rule_form(rma.client.pk, name="All to vendor", grades=[], forced_action="recycle"))

    current = DispositionRule.objects.get(retired_at__isnull=True)
    assert (current.version, current.supersedes, current.forced_action) == (2, rule, "recycle")
    assert Disposition.objects.get(pk=decided.pk).rule == rule
    assert DispositionRule.objects.get(pk=rule.pk).forced_action == "return_to_vendor"
    second = services.confirm_disposition(item=rma.items.get(unit_number=2), actor=staff.inspector)
    assert (second.rule, second.action) == (current, "recycle")


def test_the_list_shows_the_rules_in_force_and_keeps_replaced_versions_one_click_away(client, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    first = services.publish_disposition_rule(client=rma.client, actor=staff.manager, name="A", forced_action="restock")
    second = services.publish_disposition_rule(client=rma.client, actor=staff.manager, replacing=first, name="A",
                                               forced_action="recycle")
    client.force_login(staff.manager)

    in_force = list(client.get(RULES).context["cl"].result_list)
    retired = list(client.get(RULES, {"version": "retired"}).context["cl"].result_list)

    assert (in_force, retired) == ([second], [first])
    response = client.post(reverse("admin:disposition_dispositionrule_change", args=[first.pk]),
                           rule_form(rma.client.pk, name="Sneaky"))
    assert response.status_code == 403 and DispositionRule.objects.count() == 2


def test_deleting_a_rule_retires_it_and_it_no_longer_decides(client, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)
    rule = services.publish_disposition_rule(
        client=rma.client, actor=staff.manager, name="Scrap", forced_action="discard"
    )
    client.force_login(staff.manager)

    client.post(reverse("admin:disposition_dispositionrule_delete", args=[rule.pk]), {"post": "yes"})

    retired = DispositionRule.objects.get(pk=rule.pk)
    assert (retired.retired_by, retired.retired_at is not None) == (staff.manager, True)
    assert services.confirm_disposition(item=rma.items.get(), actor=staff.inspector).rule is None


def test_the_list_has_no_fields_edited_in_place(client, staff):
    client.force_login(staff.manager)

    assert client.get(RULES).context["cl"].list_editable == ()


@pytest.mark.parametrize("group", ["inspector", "customer_service", "finance"])
def test_only_managers_publish_or_retire_rules(group, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    rule = services.publish_disposition_rule(client=rma.client, actor=staff.manager, name="A", forced_action="restock")

    with pytest.raises(PermissionRefused):
        services.publish_disposition_rule(client=rma.client, actor=getattr(staff, group), name="B",
                                          forced_action="restock")
    with pytest.raises(PermissionRefused):
        services.retire_disposition_rule(rule=rule, actor=getattr(staff, group))
    assert list(DispositionRule.objects.values_list("name", "retired_at")) == [("A", None)]


@pytest.mark.parametrize(("terms", "message"), [
    ({"forced_action": "restock", "allowed_actions": ["recycle"]}, "not both"),
    ({}, "forces one action"),
    ({"forced_action": "teleport"}, "teleport"),
    ({"forced_action": "restock", "colour": "red"}, "no colour"),
])
def test_a_bad_rule_is_refused_and_nothing_is_published(terms, message, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)

    with pytest.raises(InvalidInput, match=message):
        services.publish_disposition_rule(client=rma.client, actor=staff.manager, name="Bad", **terms)

    assert not DispositionRule.objects.exists()


def test_a_replaced_version_cannot_be_replaced_again(staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    first = services.publish_disposition_rule(client=rma.client, actor=staff.manager, name="A", forced_action="restock")
    services.publish_disposition_rule(client=rma.client, actor=staff.manager, replacing=first, name="A",
                                      forced_action="recycle")

    with pytest.raises(DomainError, match="replaced or retired already"):
        services.publish_disposition_rule(client=rma.client, actor=staff.manager, replacing=first, name="A",
                                          forced_action="discard")
