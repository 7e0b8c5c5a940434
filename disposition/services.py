"""Disposition: recommending and confirming where each unit goes; the last one moves the return on."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import Actor, SystemActor, require, user_of
from core.errors import DomainError, InvalidInput, TransitionRefused
from core.money import ZERO, quantize
from core.words import counted
from disposition.models import Action, Disposition, DispositionRule, StockMovement
from inspection import selectors as inspection_selectors
from rma import later_stages
from rma.models import Client, Reason, ReturnEventType, ReturnItem, ReturnRequest, ReturnState

# A return whose every unit was missing is dispositioned by the chain, not by a person.
NOTHING_TO_DISPOSITION = SystemActor("nothing_to_disposition")

# Share of the unit's price each action is expected to recover, before repair costs.
RECOVERY_RATES = {
    Action.RESTOCK: Decimal("1.00"),
    Action.REPAIR: Decimal("0.85"),
    Action.REFURBISH: Decimal("0.60"),
    Action.RETURN_TO_VENDOR: Decimal("0.50"),
    Action.LIQUIDATE: Decimal("0.20"),
    Action.RECYCLE: Decimal("0.02"),
    Action.DISCARD: Decimal("0.00"),
    Action.RETURN_TO_CUSTOMER: Decimal("0.00"),
}
# With no rule matching, the grade decides.
DEFAULT_ACTION_BY_GRADE = {
    "A": Action.RESTOCK,
    "B": Action.RESTOCK,
    "C": Action.REFURBISH,
    "D": Action.LIQUIDATE,
    "F": Action.RECYCLE,
}


@dataclass(frozen=True)
class UnitFacts:
    """What the rules look at for one inspected unit."""

    grade: str
    reason: str
    category: str
    sku: str
    unit_value: Decimal
    currency: str
    days_since_delivery: int
    repair_cost: Decimal | None = None

    @property
    def repair_cost_ratio(self) -> Decimal | None:
        if self.repair_cost is None or not self.unit_value:
            return None
        return self.repair_cost / self.unit_value


@dataclass(frozen=True)
class Recommendation:
    action: str
    expected_recovery_value: Decimal
    rule: DispositionRule | None
    permitted_actions: list[str] = field(default_factory=lambda: list(Action.values))


def unit_facts(
    *, item: ReturnItem, repair_cost: Decimal | None = None, now: dt.datetime | None = None, grade: str = ""
) -> UnitFacts:
    """What the rules read of a unit: its inspection's grade, or `grade` for a unit being tried out before
    (or instead of) its inspection."""
    inspection = inspection_selectors.inspection_of(item=item)
    if not grade:
        if inspection is None:
            raise InvalidInput(f"Unit {item.unit_number} of {item.return_request} is not inspected yet.")
        if inspection.missing:
            raise InvalidInput(
                f"Unit {item.unit_number} of {item.return_request} was missing: there is nothing to disposition."
            )
        grade = inspection.grade
    line, order = item.order_line, item.order_line.order
    delivered = order.delivered_at or order.ordered_at
    return UnitFacts(
        grade=grade, reason=item.reason, category=line.category, sku=line.sku,
        unit_value=line.unit_price, currency=order.currency,
        days_since_delivery=max(((now or timezone.now()) - delivered).days, 0), repair_cost=repair_cost,
    )


def _in_range(value, low, high) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _range(low, high, unit: str) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}{unit}"
    return f"at least {low}{unit}" if low is not None else f"at most {high}{unit}"


def _one_of(values: list[str], labels: dict[str, str]) -> str:
    named = [labels.get(value, value) for value in values]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


def unmatched_conditions(*, rule: DispositionRule, facts: UnitFacts) -> list[str]:
    """Why `rule` does not apply to the unit: one sentence per condition it sets that the unit fails.

    Empty when the rule matches; conditions a rule leaves empty match anything.
    """
    reasons = dict(Reason.choices)
    listed = [
        ("grade", rule.grades, facts.grade, {}), ("reason", rule.reasons, facts.reason, reasons),
        ("category", rule.categories, facts.category, {}), ("SKU", rule.skus, facts.sku, {}),
    ]
    misses = [
        f"{name} is {labels.get(value, value) or 'none'}, not {_one_of(allowed, labels)}"
        for name, allowed, value, labels in listed if allowed and value not in allowed
    ]
    if not _in_range(facts.unit_value, rule.min_unit_value, rule.max_unit_value):
        def money(amount):
            return None if amount is None else quantize(amount, facts.currency)
        value_range = _range(money(rule.min_unit_value), money(rule.max_unit_value), f" {facts.currency}")
        misses.append(f"unit value {money(facts.unit_value)} {facts.currency} is not {value_range}")
    if not _in_range(facts.days_since_delivery, rule.min_days_since_delivery, rule.max_days_since_delivery):
        days = _range(rule.min_days_since_delivery, rule.max_days_since_delivery, " days")
        misses.append(f"{counted(facts.days_since_delivery, 'day')} since delivery is not {days}")
    if rule.max_repair_cost_ratio is not None:
        ratio = facts.repair_cost_ratio
        if ratio is None:
            misses.append(f"no repair cost estimate: the rule needs repair cost at most "
                          f"{rule.max_repair_cost_ratio:.0%} of the unit value")
        elif ratio > rule.max_repair_cost_ratio:
            misses.append(f"repair cost is {ratio:.0%} of the unit value, above {rule.max_repair_cost_ratio:.0%}")
    return misses


def rule_matches(*, rule: DispositionRule, facts: UnitFacts) -> bool:
    """Every condition the rule sets holds for the unit; empty conditions match anything."""
    return not unmatched_conditions(rule=rule, facts=facts)


def expected_recovery(*, action: str, facts: UnitFacts) -> Decimal:
    value = facts.unit_value * RECOVERY_RATES[action]
    if action in (Action.REPAIR, Action.REFURBISH) and facts.repair_cost:
        value -= facts.repair_cost
    return quantize(max(value, ZERO), facts.currency)


def recommend_for(*, facts: UnitFacts, rules: list[DispositionRule]) -> Recommendation:
    rule = next((rule for rule in rules if rule_matches(rule=rule, facts=facts)), None)
    default = DEFAULT_ACTION_BY_GRADE[facts.grade]
    if rule is None:
        return Recommendation(default, expected_recovery(action=default, facts=facts), None)
    permitted = rule.permitted_actions
    # Within what the rule allows, the grade's usual action if it is there, else the rule's first.
    action = default if default in permitted else permitted[0]
    return Recommendation(action, expected_recovery(action=action, facts=facts), rule, permitted)


def active_rules(*, client_id: int) -> list[DispositionRule]:
    """The client's rules in force: the current version of each, unless it is switched off."""
    rules = DispositionRule.objects.filter(client_id=client_id, retired_at__isnull=True, is_active=True)
    return list(rules.order_by("position", "id"))


def recommend_disposition(*, item: ReturnItem, repair_cost_estimate: Decimal | None = None) -> Recommendation:
    """The action the client's rules propose for an inspected unit, with its expected recovery value."""
    facts = unit_facts(item=item, repair_cost=repair_cost_estimate)
    return recommend_for(facts=facts, rules=active_rules(client_id=item.return_request.client_id))


@transaction.atomic
def confirm_disposition(
    *,
    item: ReturnItem,
    actor: Actor,
    action: str | None = None,
    reason: str = "",
    destination: str = "",
    repair_cost_estimate: Decimal | None = None,
) -> Disposition:
    """Record where a unit goes: the recommendation when `action` is None; an override needs a reason."""
    actor = require(actor, "disposition.confirm_disposition", action="confirm dispositions", on=item)
    rma = later_stages.lock_return(rma=item.return_request)
    if rma.state != ReturnState.INSPECTED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; units are dispositioned once it is inspected."
        )
    if Disposition.objects.filter(item=item).exists():
        raise DomainError(f"Unit {item.unit_number} of {rma} already has a disposition.", code="already_dispositioned")
    if repair_cost_estimate is not None and repair_cost_estimate < 0:
        raise InvalidInput("The repair cost estimate cannot be negative.")

    facts = unit_facts(item=item, repair_cost=repair_cost_estimate)
    recommendation = recommend_for(facts=facts, rules=active_rules(client_id=rma.client_id))
    action = action or recommendation.action
    reason = (reason or "").strip()
    if action not in Action.values:
        raise InvalidInput(f"'{action}' is not a disposition action.")
    if action not in recommendation.permitted_actions:
        raise InvalidInput(
            f"Rule '{recommendation.rule.name}' allows only: {', '.join(recommendation.permitted_actions)}."
        )
    if action != recommendation.action and not reason:
        raise InvalidInput(f"Say why you chose {action} over the recommended {recommendation.action}.")

    now = timezone.now()
    disposition = Disposition.objects.create(
        item=item, recommended_action=recommendation.action, action=action, rule=recommendation.rule,
        expected_recovery_value=expected_recovery(action=action, facts=facts),
        repair_cost_estimate=repair_cost_estimate, destination=destination.strip(),
        decided_by=user_of(actor), decided_at=now, override_reason=reason if action != recommendation.action else "",
    )
    if action == Action.RESTOCK:
        # The stock of the warehouse the return was routed to: a parcel that reached another site goes on there.
        StockMovement.objects.create(
            client=rma.client, warehouse_id=rma.warehouse_id, sku=facts.sku, quantity=1,
            disposition=disposition, at=now, actor=user_of(actor),
        )
    later_stages.record_event(
        rma=rma, action=ReturnEventType.DISPOSITION_UNIT, actor=actor, note=disposition.override_reason,
        details={"unit": item.unit_number, "action": action, "recommended": recommendation.action,
                 "expected_recovery_value": str(disposition.expected_recovery_value)},
    )
    if inspection_selectors.present_unit_ids(rma=rma) <= set(
        Disposition.objects.filter(item__return_request=rma).values_list("item_id", flat=True)
    ):
        later_stages.mark_dispositioned(rma=rma, actor=actor)
    return Disposition.objects.select_related("item").get(pk=disposition.pk)


def finish_when_nothing_arrived(*, rma: ReturnRequest) -> None:
    """A return whose every unit was missing has nothing to disposition: it moves on at once."""
    if not inspection_selectors.present_unit_ids(rma=rma):
        later_stages.mark_dispositioned(rma=rma, actor=NOTHING_TO_DISPOSITION)


# What a manager sets on a rule; each publication of them is a new version.
RULE_TERMS = [
    "name", "position", "is_active", "grades", "reasons", "categories", "skus", "min_unit_value", "max_unit_value",
    "max_repair_cost_ratio", "min_days_since_delivery", "max_days_since_delivery", "forced_action",
    "allowed_actions",
]


def _rule_to_retire(*, rule: DispositionRule, client_id: int | None = None) -> DispositionRule:
    rule = DispositionRule.objects.select_for_update().get(pk=rule.pk)
    if rule.retired_at is not None:
        raise DomainError(f"{rule} was replaced or retired already; edit its current version.", code="rule_retired")
    if client_id is not None and rule.client_id != client_id:
        raise InvalidInput("A rule is replaced only by a rule of the same client.")
    return rule


@transaction.atomic
def publish_disposition_rule(
    *, client: Client, actor: Actor, replacing: DispositionRule | None = None, **terms
) -> DispositionRule:
    """A new rule in force from now, or a new version of `replacing`, which retires.

    Dispositions keep the version that decided them, so what a rule said at the time stays on record.
    """
    actor = require(actor, "disposition.add_dispositionrule", action="publish disposition rules", on=client)
    unknown = sorted(set(terms) - set(RULE_TERMS))
    if unknown:
        raise InvalidInput(f"A rule has no {', '.join(unknown)}.")
    now = timezone.now()
    if replacing is not None:
        replacing = _rule_to_retire(rule=replacing, client_id=client.pk)
    rule = DispositionRule(
        client=client, version=replacing.version + 1 if replacing else 1, supersedes=replacing,
        created_by=user_of(actor), created_at=now, **terms,
    )
    try:
        rule.full_clean(exclude=["client", "supersedes", "created_by", "retired_by"])
    except ValidationError as error:
        raise InvalidInput("; ".join(error.messages)) from None
    if replacing is not None:
        _retire(rule=replacing, actor=actor, at=now)
    rule.save()
    return rule


@transaction.atomic
def retire_disposition_rule(*, rule: DispositionRule, actor: Actor) -> DispositionRule:
    """Take a rule out of use; it stays on record with the dispositions it decided."""
    actor = require(actor, "disposition.delete_dispositionrule", action="retire disposition rules", on=rule)
    rule = _rule_to_retire(rule=rule)
    _retire(rule=rule, actor=actor, at=timezone.now())
    return rule


def _retire(*, rule: DispositionRule, actor: Actor, at: dt.datetime) -> None:
    rule.retired_at, rule.retired_by = at, user_of(actor)
    rule.save(update_fields=["retired_at", "retired_by"])
