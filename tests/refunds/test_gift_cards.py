"""Gift card codes nobody can guess or mistype unnoticed, and redemptions against the card's ledger."""

import re
from decimal import Decimal

import pytest

from core.actors import ClientActor, CustomerActor, StaffActor, SystemActor
from core.errors import InvalidInput, PermissionRefused
from refunds import gift_cards
from refunds.gift_cards import gift_card_balance, redeem_gift_card
from refunds.models import GiftCard, GiftCardEntry, GiftCardEntryKind
from rma.ran import ALPHABET
from tests.factories import ClientFactory, client_account
from tests.refunds.gift_card_data import issued_gift_card

SHAPE = re.compile(r"^GC-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$")


def redeem(code: str, amount: str, actor, reference: str = "ORDER-1"):
    return redeem_gift_card(code=code, amount=Decimal(amount), actor=actor, reference=reference)


def with_symbol_changed(code: str, position: int) -> str:
    symbol = code[position]
    other = ALPHABET[(ALPHABET.index(symbol) + 1) % len(ALPHABET)]
    return code[:position] + other + code[position + 1:]


# -- codes -----------------------------------------------------------------------------------------


def test_codes_are_grouped_crockford_symbols_all_different_and_all_valid():
    codes = [gift_cards.generate_code() for _ in range(20_000)]

    assert len(set(codes)) == len(codes)
    assert all(SHAPE.match(code) for code in codes)
    assert all(gift_cards.code_hash(code) for code in codes)  # each passes its check symbol


def test_a_code_carries_80_random_bits():
    assert gift_cards.PAYLOAD_LENGTH * 5 >= 80
    assert len(ALPHABET) == 32


@pytest.mark.parametrize("position", [3, 4, 8, 13, 18, 21, 23])
def test_any_one_symbol_mistyped_is_refused_by_the_check_symbol(position):
    code = gift_cards.generate_code()
    assert code[position] != "-"

    with pytest.raises(InvalidInput, match="check symbol"):
        gift_cards.code_hash(with_symbol_changed(code, position))


def test_a_code_typed_loosely_reads_as_the_same_card():
    code = gift_cards.generate_code()
    loose = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    assert gift_cards.code_hash(loose) == gift_cards.code_hash(code)
    assert gift_cards.code_hash(code.replace("-", "")[2:]) == gift_cards.code_hash(code)


@pytest.mark.parametrize("typed", ["", "GC-1234", "RA-ABCD-EFGH-J", "GC-AAAA-AAAA-AAAA-AAAA-U", "x" * 500])
def test_what_is_no_gift_card_code_is_refused_clearly(typed):
    with pytest.raises(InvalidInput, match="not a gift card code"):
        gift_card_balance(code=typed)


@pytest.mark.django_db
def test_a_valid_code_of_no_card_is_unknown():
    with pytest.raises(InvalidInput, match="No gift card has this code"):
        gift_card_balance(code=gift_cards.generate_code())


# -- balance ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partial_redemptions_come_off_the_balance(staff):
    code = issued_gift_card(staff)

    entry = redeem(code, "30.00", staff.finance, reference="ORDER-1")
    redeem(code, "45.50", staff.finance, reference="ORDER-2")

    assert (entry.kind, entry.amount, entry.created_by) == (GiftCardEntryKind.REDEMPTION, Decimal("-30.00"),
                                                            staff.finance)
    assert gift_card_balance(code=code).balance == Decimal("24.50")
    assert str(gift_card_balance(code=code)) == "24.50 EUR"


@pytest.mark.django_db
def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing(staff):
    code = issued_gift_card(staff)
    redeem(code, "90.00", staff.finance, reference="ORDER-1")

    with pytest.raises(InvalidInput, match=r"holds 10\.00 EUR"):
        redeem(code, "10.01", staff.finance, reference="ORDER-2")

    redeem(code, "10.00", staff.finance, reference="ORDER-3")
    assert gift_card_balance(code=code).balance == Decimal("0.00")
    assert GiftCardEntry.objects.filter(kind=GiftCardEntryKind.REDEMPTION).count() == 2


@pytest.mark.django_db
def test_the_same_reference_twice_is_redeemed_once(staff):
    code = issued_gift_card(staff)

    first = redeem(code, "30.00", staff.finance, reference="ORDER-1")
    again = redeem(code, "30.00", staff.finance, reference="ORDER-1")

    assert again.pk == first.pk
    assert gift_card_balance(code=code).balance == Decimal("70.00")


@pytest.mark.django_db
def test_a_reference_reused_for_another_amount_is_refused(staff):
    code = issued_gift_card(staff)
    redeem(code, "30.00", staff.finance, reference="ORDER-1")

    with pytest.raises(InvalidInput, match="used for another redemption"):
        redeem(code, "31.00", staff.finance, reference="ORDER-1")


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "reference", "message"), [
    ("0", "ORDER-1", "more than nothing"),
    ("-5", "ORDER-1", "more than nothing"),
    ("1.001", "ORDER-1", "decimals"),
    ("NaN", "ORDER-1", "decimals"),
    ("5", "  ", "reference"),
    ("5", "R" * 201, "reference"),
])
def test_bad_redemptions_are_refused_and_write_nothing(amount, reference, message, staff):
    code = issued_gift_card(staff)

    with pytest.raises(InvalidInput, match=message):
        redeem(code, amount, staff.finance, reference=reference)

    assert not GiftCardEntry.objects.filter(kind=GiftCardEntryKind.REDEMPTION).exists()


@pytest.mark.django_db
def test_a_mistyped_code_redeems_nothing(staff):
    code = issued_gift_card(staff)

    with pytest.raises(InvalidInput, match="check symbol"):
        redeem(with_symbol_changed(code, 8), "10.00", staff.finance)

    assert gift_card_balance(code=code).balance == Decimal("100.00")


@pytest.mark.django_db
def test_gift_card_entries_are_never_edited(staff):
    issued_gift_card(staff)

    with pytest.raises(Exception, match="append-only"):
        GiftCardEntry.objects.update(amount=Decimal("1000"))
    with pytest.raises(Exception, match="append-only"):
        GiftCard.objects.all().delete()


# -- who may redeem ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["finance", "manager"])
def test_finance_and_managers_may_redeem(staff, group):
    code = issued_gift_card(staff)

    redeem(code, "10.00", StaffActor(user=getattr(staff, group)))

    assert gift_card_balance(code=code).balance == Decimal("90.00")


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector"])
def test_the_floor_may_not_redeem(staff, group):
    code = issued_gift_card(staff)

    with pytest.raises(PermissionRefused):
        redeem(code, "10.00", getattr(staff, group))


@pytest.mark.django_db
def test_the_cards_client_account_may_redeem_it(staff):
    code = issued_gift_card(staff)
    card = GiftCard.objects.get()
    account = client_account(card.client)

    entry = redeem(code, "10.00", account)

    assert entry.actor == str(ClientActor(user=account, client=card.client))
    assert gift_card_balance(code=code).balance == Decimal("90.00")


@pytest.mark.django_db
def test_another_clients_account_finds_no_such_card(staff):
    code = issued_gift_card(staff)

    with pytest.raises(InvalidInput, match="No gift card has this code"):
        redeem(code, "10.00", client_account(ClientFactory()))

    assert gift_card_balance(code=code).balance == Decimal("100.00")


@pytest.mark.django_db
def test_portal_customers_the_system_and_nobody_may_not_redeem(staff):
    code = issued_gift_card(staff)
    card = GiftCard.objects.get()

    for actor in (CustomerActor(customer=card.customer), SystemActor(job="import"), None):
        with pytest.raises(PermissionRefused):
            redeem(code, "10.00", actor)
    assert gift_card_balance(code=code).balance == Decimal("100.00")

