"""The RAN: RA-XXXX-XXXX-C in Crockford's Base32, a Luhn mod 32 check symbol, normalized input, unique."""

import random
import re

import pytest
from django.db import IntegrityError, transaction

from rma import ran as ran_codes
from rma.models import ReturnRequest
from tests.factories import client_with_policy, order_for, requested_return

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RAN_FORMAT = re.compile(r"RA-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]")


def luhn_mod_32_holds(symbols: str) -> bool:
    """The validating side of Luhn mod N, written independently: over payload and check symbol,
    doubling every second symbol from the right, the sum is a multiple of 32."""
    total = 0
    for position, symbol in enumerate(reversed(symbols)):
        addend = CROCKFORD.index(symbol) * (2 if position % 2 else 1)
        total += addend // 32 + addend % 32
    return total % 32 == 0


def symbols_of(ran: str) -> str:
    return ran.removeprefix("RA-").replace("-", "")


def sample_rans(count: int) -> list[str]:
    """Valid RANs from a seeded generator, so every run (and every xdist worker) tests the same ones."""
    draw = random.Random(32)
    payloads = ["".join(draw.choice(CROCKFORD) for _ in range(8)) for _ in range(count)]
    return [ran_codes.format_ran(payload + ran_codes.check_symbol(payload)) for payload in payloads]


SAMPLE_RANS = [*sample_rans(25), "RA-ZZZZ-ZZZZ-8", "RA-0000-0001-Y"]


def test_alphabet_is_crockford_without_i_l_o_u():
    assert ran_codes.ALPHABET == CROCKFORD


def test_generated_ran_is_printed_as_ra_four_four_check():
    assert all(RAN_FORMAT.fullmatch(ran_codes.generate_ran()) for _ in range(200))


@pytest.mark.parametrize(
    ("payload", "check"), [("00000000", "0"), ("00000001", "Y"), ("ZZZZZZZZ", "8")]
)
def test_check_symbol_matches_hand_computed_luhn_mod_32(payload, check):
    assert ran_codes.check_symbol(payload) == check


def test_generated_rans_satisfy_luhn_mod_32():
    assert all(luhn_mod_32_holds(symbols_of(ran_codes.generate_ran())) for _ in range(200))


@pytest.mark.parametrize("ran", SAMPLE_RANS)
def test_every_single_symbol_substitution_is_detected(ran):
    symbols = symbols_of(ran)
    substitutions = [
        symbols[:position] + other + symbols[position + 1:]
        for position in range(len(symbols))
        for other in CROCKFORD
        if other != symbols[position]
    ]

    assert [typo for typo in substitutions if ran_codes.parse_ran(typo) is not None] == []


def test_valid_ran_parses_to_itself():
    assert ran_codes.parse_ran("RA-ZZZZ-ZZZZ-8") == "RA-ZZZZ-ZZZZ-8"


@pytest.mark.parametrize(
    "typed",
    [
        "RA ZZZZ ZZZZ 8",
        "ra-zzzz-zzzz-8",
        "  RAZZZZZZZZ8  ",
        "ZZZZ-ZZZZ-8",
        "zzzzzzzz8",
        "Z Z Z Z - Z Z Z Z - 8",
    ],
)
def test_spaces_hyphens_case_and_prefix_are_ignored(typed):
    assert ran_codes.parse_ran(typed) == "RA-ZZZZ-ZZZZ-8"


@pytest.mark.parametrize("typed", ["RA-1O1O-1O1O-W", "ra-i0i0-l0l0-w", "IoLoiOlO-W", "RA-LOIO-1010-W"])
def test_look_alike_letters_read_as_digits(typed):
    # O is read as 0, I and L as 1, in either case.
    assert ran_codes.parse_ran(typed) == "RA-1010-1010-W"


@pytest.mark.parametrize("typed", ["RA-RA12-3456-K", "RA12-3456-K", "ra123456k"])
def test_payload_starting_with_ra_reads_the_same_with_or_without_the_prefix(typed):
    assert ran_codes.parse_ran(typed) == "RA-RA12-3456-K"


@pytest.mark.parametrize("typed", ["", "RA-ZZZZ-ZZZ-8", "RA-ZZZZ-ZZZZ-Z8", "RA-ZZZU-ZZZZ-8", "1Z999AA10123456784"])
def test_what_is_not_a_ran_does_not_parse(typed):
    assert ran_codes.parse_ran(typed) is None


def test_authorizations_issue_different_rans(staff):
    client = client_with_policy(auto_authorize=True)

    rans = [
        requested_return(client=client, order=order_for(client), staff=staff, units=1).ran for _ in range(30)
    ]

    assert all(rans) and len(set(rans)) == len(rans)


def test_database_refuses_a_duplicate_ran(staff):
    client = client_with_policy(auto_authorize=True)
    first = requested_return(client=client, staff=staff, units=1)
    second = requested_return(client=client, staff=staff, units=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnRequest.objects.filter(pk=second.pk).update(ran=first.ran)
