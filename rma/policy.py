"""The return policy checks behind authorization: each rule answers with a FailedRule or nothing.

They read what they need through `PolicyContext`, which the service builds under lock, so the
rules themselves are plain functions that are easy to read and to test.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from core.errors import FailedRule
from core.money import quantize
from core.words import counted
from rma.models import Order, OrderLine, ReturnItem, ReturnPolicy, ReturnRequest, WindowStart


@dataclass(frozen=True)
class PolicyContext:
    rma: ReturnRequest
    policy: ReturnPolicy
    order: Order
    items: list[ReturnItem]
    # Units of each order line already claimed by earlier live returns.
    claimed_before: dict[int, int]
    # The customer's other live returns within the policy's limit period.
    customer_recent_returns: int


def window_deadline(*, order: Order, policy: ReturnPolicy, zone) -> dt.datetime:
    """The last moment of the window: the end of its last calendar day in the client's time zone."""
    use_delivery = policy.window_starts_from == WindowStart.DELIVERY_DATE and order.delivered_at
    start = order.delivered_at if use_delivery else order.ordered_at
    last_day = start.astimezone(zone).date() + dt.timedelta(days=policy.window_days)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def window_last_day(*, order: Order, policy: ReturnPolicy, zone) -> dt.date:
    """The last calendar day (in the client's time zone) on which the order's units may be returned."""
    return (window_deadline(order=order, policy=policy, zone=zone) - dt.timedelta(days=1)).date()


def window_ended(*, order: Order, policy: ReturnPolicy, zone, at: dt.datetime) -> bool:
    return at >= window_deadline(order=order, policy=policy, zone=zone)


def returnable_units(*, line: OrderLine, claimed: int) -> int:
    """Units of the line still returnable, once live returns' claims are taken off."""
    return max(line.quantity - claimed, 0)


def check_window(ctx: PolicyContext) -> list[FailedRule]:
    zone = ctx.rma.client.zone
    if not window_ended(order=ctx.order, policy=ctx.policy, zone=zone, at=ctx.rma.requested_at):
        return []
    counted_from = "delivery" if ctx.policy.window_starts_from == WindowStart.DELIVERY_DATE else "order"
    last_day = window_last_day(order=ctx.order, policy=ctx.policy, zone=zone)
    return [FailedRule(
        "return_window",
        f"The {ctx.policy.window_days}-day return window (from {counted_from}) ended on {last_day:%Y-%m-%d}.",
    )]


def _lines_of(items: list[ReturnItem]) -> dict[int, OrderLine]:
    return {item.order_line_id: item.order_line for item in items}


def is_final_sale(*, policy: ReturnPolicy, line: OrderLine) -> bool:
    return line.sku in (policy.final_sale_skus or []) or bool(
        line.category and line.category in (policy.final_sale_categories or [])
    )


def check_final_sale(ctx: PolicyContext) -> list[FailedRule]:
    return [
        FailedRule("final_sale", f"{line.sku} is final sale and cannot be returned.")
        for line in _lines_of(ctx.items).values()
        if is_final_sale(policy=ctx.policy, line=line)
    ]


def check_quantity(ctx: PolicyContext) -> list[FailedRule]:
    requested = Counter(item.order_line_id for item in ctx.items)
    failures = []
    for line_id, line in _lines_of(ctx.items).items():
        available = returnable_units(line=line, claimed=ctx.claimed_before.get(line_id, 0))
        if requested[line_id] > available:
            failures.append(FailedRule(
                "quantity",
                f"{line.sku}: {requested[line_id]} requested but only {available} of "
                f"{line.quantity} delivered remain returnable.",
            ))
    return failures


def check_reasons(ctx: PolicyContext) -> list[FailedRule]:
    accepted = set(ctx.policy.accepted_reasons or [])
    refused = sorted({item.reason for item in ctx.items} - accepted)
    return [FailedRule("reason", f"The reason '{reason}' is not accepted by the policy.") for reason in refused]


def check_receipt(ctx: PolicyContext) -> list[FailedRule]:
    threshold = ctx.policy.receipt_required_above
    if threshold is None or ctx.rma.receipt_document:
        return []
    above = sorted({line.sku for line in _lines_of(ctx.items).values() if line.unit_price > threshold})
    if not above:
        return []
    return [FailedRule(
        "receipt_required",
        f"A receipt document is required for units above {quantize(threshold, ctx.order.currency)} "
        f"{ctx.order.currency} ({', '.join(above)}).",
    )]


def check_customer_limit(ctx: PolicyContext) -> list[FailedRule]:
    limit = ctx.policy.max_returns_per_customer
    if limit is None or ctx.customer_recent_returns < limit:
        return []
    return [FailedRule(
        "customer_limit",
        f"The customer already has {counted(ctx.customer_recent_returns, 'return')} in the last "
        f"{ctx.policy.return_limit_period_days} days (limit {limit}).",
    )]


RULES = [check_window, check_final_sale, check_quantity, check_reasons, check_receipt, check_customer_limit]


def failed_rules(ctx: PolicyContext) -> list[FailedRule]:
    """Every rule the request breaks, in a stable order; empty when it may be authorized."""
    return [failure for rule in RULES for failure in rule(ctx)]


@dataclass(frozen=True)
class LineStanding:
    """Whether a customer may still return units of an order line, by the same rules authorization applies.

    `refusal` is None when `returnable` units remain, else why none do: `return_window` (ended on
    `window_last_day`), `final_sale` or `already_returned` (live returns claim every unit).
    """

    line: OrderLine
    returnable: int
    refusal: str | None
    window_last_day: dt.date


def line_standing(*, policy: ReturnPolicy, order: Order, line: OrderLine, claimed: int, zone,
                  at: dt.datetime) -> LineStanding:
    last_day = window_last_day(order=order, policy=policy, zone=zone)
    available = returnable_units(line=line, claimed=claimed)
    if window_ended(order=order, policy=policy, zone=zone, at=at):
        refusal = "return_window"
    elif is_final_sale(policy=policy, line=line):
        refusal = "final_sale"
    elif available == 0:
        refusal = "already_returned"
    else:
        refusal = None
    return LineStanding(line=line, returnable=0 if refusal else available, refusal=refusal, window_last_day=last_day)
