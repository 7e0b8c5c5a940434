"""Money as Decimal, quantized to the currency's ISO 4217 minor unit, rounded half-up."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not 2 digits; every other currency uses 2.
_MINOR_UNIT_EXCEPTIONS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}

ZERO = Decimal("0")


def minor_unit(currency: str) -> int:
    return _MINOR_UNIT_EXCEPTIONS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's smallest unit, half-up (12.345 EUR -> 12.35; 0.5 JPY -> 1)."""
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    return quantize(Decimal(amount) * Decimal(percent) / Decimal(100), currency)


def format_money(amount: Decimal | str | int | None, currency: str) -> str:
    """How every screen, report and message shows money: the currency's own decimals, thousands grouped,
    the currency after (79.40 EUR, 1,299.00 USD, 0 JPY, 12.500 KWD); "–" when there is no amount."""
    if amount is None or amount == "":
        return "–"
    value = quantize(Decimal(str(amount)), currency)
    return f"{value:,} {currency.upper()}" if currency else f"{value:,}"
