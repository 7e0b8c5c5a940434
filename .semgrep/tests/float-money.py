# Fixture of the float-money rule: `semgrep --test --config .semgrep .semgrep/tests` (scripts/static_analysis.sh).
from decimal import Decimal

from django.db import models


class Fee(models.Model):
    # ruleid: float-money
    amount = models.FloatField()
    # ruleid: float-money
    unit_price = models.FloatField(default=0)
    # ok: float-money
    price = models.DecimalField(max_digits=12, decimal_places=3)
    # ok: float-money
    minutes_taken = models.FloatField()


def total(refund, line):
    # ruleid: float-money
    cents = float(refund.amount) * 100
    # ruleid: float-money
    shipping = float(line.unit_price)
    # ruleid: float-money
    fee = Decimal(float(line.fee))
    # ruleid: float-money
    bonus = Decimal(0.1)
    # ok: float-money
    exact = Decimal("0.10") + refund.amount
    # ok: float-money
    seconds = float(line.duration)
    return cents, shipping, fee, bonus, exact, seconds
