from decimal import Decimal, InvalidOperation

from django import template

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
