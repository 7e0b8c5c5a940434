"""Gift cards: codes nobody can guess, issued for gift-card refunds, redeemed against their ledger.

A code is 16 random Crockford Base32 symbols (80 bits from `secrets`) and one Luhn mod 32 check symbol,
printed `GC-XXXX-XXXX-XXXX-XXXX-C`. We keep only its SHA-256 and its last four symbols: the full code
exists once, in the email to the customer written to the outbox in the transaction that issues the card.
Typed codes are normalized like RANs (spaces and hyphens dropped, O read as 0, I and L as 1), and a
wrong check symbol is refused before any lookup.
"""

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import InvalidInput
from core.money import ZERO, format_money, quantize
from outbox.services import enqueue_email
from refunds.ledger_models import GiftCard, GiftCardEntry, GiftCardEntryKind
from refunds.models import Refund
from rma.models import ReturnRequest
from rma.ran import ALPHABET, check_symbol
from rma.webhooks import client_owner

PREFIX = "GC"
PAYLOAD_LENGTH = 16  # 16 symbols of 5 bits: 80 random bits
GIFT_CARD_EMAIL = "email.gift_card"
LONGEST_REFERENCE = 200
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def generate_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return format_code(payload + check_symbol(payload))


def format_code(symbols: str) -> str:
    groups = [symbols[start:start + 4] for start in range(0, PAYLOAD_LENGTH, 4)]
    return "-".join([PREFIX, *groups, symbols[PAYLOAD_LENGTH:]])


def _symbols(code: str) -> str:
    """The payload and check symbol of a typed code, or InvalidInput when it cannot be a gift card code."""
    text = "".join((code or "").split()).replace("-", "").upper()
    if text.startswith(PREFIX) and len(text) == len(PREFIX) + PAYLOAD_LENGTH + 1:
        text = text[len(PREFIX):]
    text = text.translate(_READ_AS)
    if len(text) != PAYLOAD_LENGTH + 1 or any(symbol not in ALPHABET for symbol in text):
        raise InvalidInput("This is not a gift card code: it reads GC-XXXX-XXXX-XXXX-XXXX-X.", code="invalid_code")
    if check_symbol(text[:PAYLOAD_LENGTH]) != text[PAYLOAD_LENGTH]:
        raise InvalidInput("This gift card code is mistyped: its check symbol does not match. Check every symbol.",
                           code="invalid_code")
    return text


def code_hash(code: str) -> str:
    return hashlib.sha256(_symbols(code).encode()).hexdigest()


def _card_for(code: str, *, lock: bool = False) -> GiftCard:
    cards = GiftCard.objects.select_related("client", "customer")
    card = (cards.select_for_update(of=("self",)) if lock else cards).filter(code_hash=code_hash(code)).first()
    if card is None:
        raise InvalidInput("No gift card has this code.", code="unknown_gift_card")
    return card


def _balance(card: GiftCard) -> Decimal:
    return card.entries.aggregate(total=Sum("amount"))["total"] or ZERO


@dataclass(frozen=True)
class GiftCardBalance:
    card: GiftCard
    balance: Decimal

    @property
    def currency(self) -> str:
        return self.card.currency

    def __str__(self) -> str:
        return format_money(self.balance, self.currency)


def gift_card_balance(*, code: str) -> GiftCardBalance:
    """What is left on the card with this code (InvalidInput for a mistyped or unknown code)."""
    card = _card_for(code)
    return GiftCardBalance(card=card, balance=_balance(card))


def issue_gift_card(*, refund: Refund, rma: ReturnRequest, actor: Actor) -> tuple[GiftCard, str]:
    """A new card worth the refund (and its bonus), emailed to the customer; returns the card and its code.

    Part of issuing the refund: the caller has checked the actor and locked the return and the refund.
    """
    now = timezone.now()
    while True:
        code = generate_code()
        try:
            with transaction.atomic():  # a clash of 80 random bits is all but impossible; draw again if it comes
                card = GiftCard.objects.create(
                    client=rma.client, customer=rma.customer, currency=refund.currency, code_hash=code_hash(code),
                    last_four=code[-6:-2], refund=refund, created_at=now,
                )
            break
        except IntegrityError:
            if GiftCard.objects.filter(refund=refund).exists():
                raise
    value = refund.amount + refund.bonus_amount
    GiftCardEntry.objects.create(
        card=card, amount=value, kind=GiftCardEntryKind.ISSUE, reference=f"refund:{refund.idempotency_key}",
        at=now, actor=str(actor), created_by=user_of(actor), note=f"Refund for return {rma}",
    )
    enqueue_email(
        type=GIFT_CARD_EMAIL, to=rma.customer.email, owner=client_owner(rma.client_id), created_by=user_of(actor),
        idempotency_key=f"gift-card:{card.pk}",
        subject=f"Your gift card from {rma.client.name}: {format_money(value, refund.currency)}",
        body=(
            f"Hello,\n\nyour return {rma.ran} is refunded as a gift card of {format_money(value, refund.currency)} "
            f"to spend at {rma.client.name}.\n\nYour gift card code: {code}\n\n"
            "Keep this email: the code is shown only here, and whoever has it can spend the card.\n"
        ),
    )
    return card, code


def _reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > LONGEST_REFERENCE:
        raise InvalidInput(f"Give the redemption's reference (your order or receipt), at most {LONGEST_REFERENCE} "
                           "characters.", code="invalid_reference")
    return reference


@transaction.atomic
def redeem_gift_card(*, code: str, amount: Decimal, actor: Actor, reference: str) -> GiftCardEntry:
    """Spend `amount` of the card; never more than its balance. The same `reference` again is applied once:
    it returns the first redemption (and refuses when its amount differs).

    Client accounts redeem their own client's cards only: another client's card reads as unknown.
    """
    actor = require(actor, "refunds.redeem_gift_card", action="redeem gift cards")
    reference = _reference(reference)
    # Lock the card: two redemptions at once must not both spend the last of the balance.
    card = _card_for(code, lock=True)
    if not actor.may_act_on(card):
        raise InvalidInput("No gift card has this code.", code="unknown_gift_card")
    if not isinstance(amount, Decimal) or not amount.is_finite() or quantize(amount, card.currency) != amount:
        raise InvalidInput(f"Give the amount in {card.currency} with at most its currency's decimals.",
                           code="invalid_amount")
    if amount <= ZERO:
        raise InvalidInput("Give the amount to redeem, more than nothing.", code="invalid_amount")
    earlier = card.entries.filter(reference=reference).first()
    if earlier is not None:
        if earlier.kind != GiftCardEntryKind.REDEMPTION or earlier.amount != -amount:
            raise InvalidInput(f"The reference {reference} was used for another redemption of this card.",
                               code="reference_reused")
        return earlier
    balance = _balance(card)
    if amount > balance:
        raise InvalidInput(f"The card holds {format_money(balance, card.currency)}: it cannot pay "
                           f"{format_money(amount, card.currency)}.", code="insufficient_balance")
    return GiftCardEntry.objects.create(
        card=card, amount=-amount, kind=GiftCardEntryKind.REDEMPTION, reference=reference, at=timezone.now(),
        actor=str(actor), created_by=user_of(actor),
    )
