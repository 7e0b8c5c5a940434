from decimal import Decimal, InvalidOperation

from django import template

from core.moments import format_day, format_moment
from core.money import quantize

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """An amount to its currency's minor unit: 100.000 EUR reads 100.00, 1500.000 JPY reads 1500."""
    if amount in (None, ""):
        return "–"
    try:
        return f"{quantize(Decimal(str(amount)), currency)}"
    except InvalidOperation:
        return str(amount)


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
