"""Return Authorization Numbers: 8 random Crockford Base32 symbols plus a Luhn mod 32 check symbol.

Printed as RA-XXXX-XXXX-C. Whatever a person or scanner types is normalized first, and a wrong
check symbol is refused before anything is looked up.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PAYLOAD_LENGTH = 8
PREFIX = "RA"
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_N = len(ALPHABET)
# Crockford reads look-alikes as the digit they resemble.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(payload: str) -> str:
    """Luhn mod N over the Crockford alphabet: catches every single-symbol error and most swaps."""
    total = 0
    factor = 2
    for symbol in reversed(payload):
        addend = factor * _VALUES[symbol]
        total += addend // _N + addend % _N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_N - total % _N) % _N]


def generate_ran() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return format_ran(payload + check_symbol(payload))


def format_ran(symbols: str) -> str:
    return f"{PREFIX}-{symbols[:4]}-{symbols[4:8]}-{symbols[8]}"


def normalize(code: str) -> str:
    """Spaces and hyphens dropped, upper-cased, O read as 0, I and L as 1, the RA prefix dropped."""
    text = "".join((code or "").split()).replace("-", "").upper()
    if len(text) == PAYLOAD_LENGTH + 1 + len(PREFIX) and text.startswith(PREFIX):
        text = text[len(PREFIX):]
    return text.translate(_READ_AS)


def is_ran_shaped(symbols: str) -> bool:
    """Right length and alphabet, whatever the check symbol says."""
    return len(symbols) == PAYLOAD_LENGTH + 1 and all(s in _VALUES for s in symbols)


def has_valid_check(symbols: str) -> bool:
    return is_ran_shaped(symbols) and check_symbol(symbols[:PAYLOAD_LENGTH]) == symbols[PAYLOAD_LENGTH]


def parse_ran(code: str) -> str | None:
    """The printed RAN for what was typed, or None when it is not a valid RAN."""
    symbols = normalize(code)
    return format_ran(symbols) if has_valid_check(symbols) else None
