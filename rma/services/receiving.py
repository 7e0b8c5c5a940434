"""The dock: every scan is logged at the site where it happened, a parcel that names a return on its way
(by its RAN or its carrier's tracking number) receives it (flagged for forwarding when it was routed to
another site), and a parcel nobody announced is flagged as an unexpected parcel, never silently accepted.
"""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.actors import Actor, require, user_of
from core.errors import InvalidInput
from rma import ran as ran_codes
from rma import selectors
from rma.models import ReceivingScan, ReturnRequest, ScanResult, UnexpectedParcel, Warehouse
from rma.services._common import arrival_details, at_wrong_site, locked
from rma.states import LIVE, RECEIVED_OR_LATER
from rma.trail import apply_transition


def _log_scan(
    *, code: str, normalized: str, actor: AbstractBaseUser, site: Warehouse | None, result: str,
    key: uuid.UUID | None, rma: ReturnRequest | None = None, note: str = "",
) -> ReceivingScan:
    wrong_site = at_wrong_site(site=site, rma=rma)
    return ReceivingScan.objects.create(
        code=code, normalized_code=normalized, result=result, return_request=rma, actor=actor, warehouse=site,
        wrong_site=wrong_site, scanned_at=timezone.now(), idempotency_key=key,
        note=f"Routed to {rma.warehouse}: forward the parcel there." if wrong_site else note,
    )


def _flag_unexpected_parcel(
    *, code: str, normalized: str, actor: AbstractBaseUser, site: Warehouse | None, key: uuid.UUID | None
) -> ReceivingScan:
    scan = _log_scan(code=code, normalized=normalized, actor=actor, site=site, result=ScanResult.UNKNOWN, key=key)
    UnexpectedParcel.objects.create(scan=scan, code=code, warehouse=site)
    return scan


def _ambiguous(
    *, code: str, actor: AbstractBaseUser, site: Warehouse | None, sharing: list[ReturnRequest],
    key: uuid.UUID | None,
) -> ReceivingScan:
    """No guess between returns that share a tracking number: the dock looks for the RAN label."""
    rans = ", ".join(str(rma) for rma in sharing)
    return _log_scan(
        code=code, normalized=selectors.tracking_key(code), actor=actor, site=site, result=ScanResult.AMBIGUOUS,
        key=key, note=f"The tracking number of {len(sharing)} returns: {rans}.",
    )


_LONGEST_CODE = ReceivingScan._meta.get_field("code").max_length


def _scan_key(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput("The scan's key is not a UUID: reload the dock screen.") from None


def _scan_sent_before(*, key: uuid.UUID, code: str, actor: AbstractBaseUser) -> ReceivingScan | None:
    """The scan first recorded with this key; a key is one scan of one person, never another's."""
    scan = ReceivingScan.objects.filter(idempotency_key=key).first()
    if scan is not None and (scan.actor_id != actor.pk or scan.code != code):
        raise InvalidInput("This scan's key belongs to another scan: scan the parcel again.", code="key_reused")
    return scan


@transaction.atomic
def receive_scan(
    *, code: str, actor: Actor, warehouse: Warehouse | None = None, idempotency_key: uuid.UUID | str | None = None,
) -> ReceivingScan:
    """Record one dock scan and receive the return it names, if it may be received.

    The code is a RAN or the tracking number on the carrier's label (often the only barcode facing
    up, compared without spaces, in any case): the tracking number of exactly one live return (not
    ended) is read as that return's RAN, one shared by several is `ambiguous` and opens no parcel.

    The scan happens at `warehouse`, or else at the dock user's own site (none if they have none). A
    parcel routed to another site is received all the same (it is here); its scan is flagged
    `wrong_site`, so the dock forwards it.

    The dock screen sends each scan with its own `idempotency_key`, and the same again after a lost
    connection: a key seen before returns the first scan and records nothing.
    """
    actor = require(actor, "rma.receive_return", action="scan parcels in")
    scanner = user_of(actor)
    key = _scan_key(idempotency_key)
    code = (code or "").strip()
    if not code:
        raise InvalidInput("The scan was empty; scan the RAN barcode again.")
    if len(code) > _LONGEST_CODE:
        raise InvalidInput(f"The scan is {len(code)} characters long, too long for a RAN or a parcel code.")
    site = warehouse or selectors.assigned_warehouse(user=scanner)
    if key is None:
        return _record_scan(code=code, actor=actor, scanner=scanner, site=site, key=None)
    earlier = _scan_sent_before(key=key, code=code, actor=scanner)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _record_scan(code=code, actor=actor, scanner=scanner, site=site, key=key)
    except IntegrityError:
        # The retry came while the first was still being recorded: the first one counts, this one is undone.
        earlier = _scan_sent_before(key=key, code=code, actor=scanner)
        if earlier is None:
            raise
        return earlier


def _record_scan(
    *, code: str, actor: Actor, scanner: AbstractBaseUser, site: Warehouse | None, key: uuid.UUID | None
) -> ReceivingScan:
    symbols = ran_codes.normalize(code)
    ran = ran_codes.parse_ran(code)
    found = ReturnRequest.objects.filter(ran=ran).values_list("pk", flat=True).first() if ran else None
    if found is None:
        sharing = list(selectors.returns_tracked_as(code=code, states=LIVE))
        if len(sharing) > 1:
            return _ambiguous(code=code, actor=scanner, site=site, sharing=sharing, key=key)
        if not sharing and ran_codes.is_ran_shaped(symbols) and not ran_codes.has_valid_check(symbols):
            return _log_scan(
                code=code, normalized=symbols, actor=scanner, site=site, result=ScanResult.MISTYPED, key=key
            )
        if not sharing:
            return _flag_unexpected_parcel(code=code, normalized=symbols, actor=scanner, site=site, key=key)
        found = sharing[0].pk
    # Lock before reading the state: two docks can scan the same parcel at once.
    rma = selectors.return_for_update(pk=found)
    if rma.state in RECEIVED_OR_LATER:
        result = ScanResult.DUPLICATE
    elif not can_proceed(rma.receive):
        result = ScanResult.WRONG_STATE
    else:
        apply_transition(
            rma=rma, transition="receive", actor=actor, details={"code": code, **arrival_details(site=site, rma=rma)}
        )
        result = ScanResult.RECEIVED
    return _log_scan(
        code=code, normalized=rma.ran or selectors.tracking_key(code), actor=scanner, site=site, result=result,
        key=key, rma=rma,
    )


@transaction.atomic
def receive_expired(*, rma: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """A manager accepts a parcel whose RAN has expired; the reason is recorded."""
    actor = require(actor, "rma.receive_expired", action="receive a parcel with an expired RAN", on=rma)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for accepting an expired RAN.")
    return apply_transition(rma=locked(rma), transition="receive_expired", actor=actor, note=reason)

