from decimal import Decimal, InvalidOperation

from django import template

from core.moments import format_day, format_moment
from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """An amount as every screen shows money: {{ refund.amount|money:refund.currency }} reads 79.40 EUR."""
    try:
        return format_money(amount, currency or "")
    except InvalidOperation:
        return str(amount)


@register.filter
def nonzero(amount) -> bool:
    """Whether a stored amount (a Decimal, or its string in a refund's breakdown) is more than nothing."""
    try:
        return bool(amount) and Decimal(str(amount)) != 0
    except InvalidOperation:
        return False


@register.filter
def moment(value, default: str = "–") -> str:
    """A date and time in the facility's time zone, its zone named: 2 Dec 2026, 15:04 CET."""
    return format_moment(value or None, default=default)


@register.filter
def day(value, default: str = "–") -> str:
    """A calendar day: 2 Dec 2026."""
    return format_day(value or None, default=default)


def _article(noun: str) -> str:
    # "a unit", "an unexpected parcel": a vowel sound, save the "you" of unit.
    noun = noun.lower()
    return "an" if noun[:1] in "aeio" or (noun[:1] == "u" and not noun.startswith("uni")) else "a"


@register.filter
def with_article(title: str, opts) -> str:
    """The admin's "Select refund to change" as "Select a refund to change"."""
    name = str(opts.verbose_name)
    return str(title).replace(f"Select {name} ", f"Select {_article(name)} {name} ", 1)
