from decimal import Decimal, InvalidOperation

from django import template

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
