"""The dock: every scan is logged at the site where it happened, a parcel that names a return on its way
receives it (flagged for forwarding when it was routed to another site), and a parcel nobody announced
is flagged as an unexpected parcel, never silently accepted.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.actors import Actor, require, user_of
from core.errors import InvalidInput
from rma import ran as ran_codes
from rma import selectors
from rma.models import ReceivingScan, ReturnRequest, ScanResult, UnexpectedParcel, Warehouse
from rma.services._common import arrival_details, at_wrong_site, locked
from rma.states import RECEIVED_OR_LATER
from rma.trail import apply_transition


def _log_scan(
    *, code: str, normalized: str, actor: AbstractBaseUser, site: Warehouse | None, result: str,
    rma: ReturnRequest | None = None,
) -> ReceivingScan:
    wrong_site = at_wrong_site(site=site, rma=rma)
    return ReceivingScan.objects.create(
        code=code, normalized_code=normalized, result=result, return_request=rma, actor=actor, warehouse=site,
        wrong_site=wrong_site, scanned_at=timezone.now(),
        note=f"Routed to {rma.warehouse}: forward the parcel there." if wrong_site else "",
    )


def _flag_unexpected_parcel(
    *, code: str, normalized: str, actor: AbstractBaseUser, site: Warehouse | None
) -> ReceivingScan:
    scan = _log_scan(code=code, normalized=normalized, actor=actor, site=site, result=ScanResult.UNKNOWN)
    UnexpectedParcel.objects.create(scan=scan, code=code, warehouse=site)
    return scan


_LONGEST_CODE = ReceivingScan._meta.get_field("code").max_length


@transaction.atomic
def receive_scan(*, code: str, actor: Actor, warehouse: Warehouse | None = None) -> ReceivingScan:
    """Record one dock scan and receive the return it names, if it may be received.

    The scan happens at `warehouse`, or else at the dock user's own site (none if they have none). A
    parcel routed to another site is received all the same (it is here); its scan is flagged
    `wrong_site`, so the dock forwards it.
    """
    actor = require(actor, "rma.receive_return", action="scan parcels in")
    scanner = user_of(actor)
    code = (code or "").strip()
    if not code:
        raise InvalidInput("The scan was empty; scan the RAN barcode again.")
    if len(code) > _LONGEST_CODE:
        raise InvalidInput(f"The scan is {len(code)} characters long, too long for a RAN or a parcel code.")
    site = warehouse or selectors.assigned_warehouse(user=scanner)
    symbols = ran_codes.normalize(code)
    if ran_codes.is_ran_shaped(symbols) and not ran_codes.has_valid_check(symbols):
        return _log_scan(code=code, normalized=symbols, actor=scanner, site=site, result=ScanResult.MISTYPED)
    ran = ran_codes.parse_ran(code)
    found = ReturnRequest.objects.filter(ran=ran).values_list("pk", flat=True).first() if ran else None
    if found is None:
        return _flag_unexpected_parcel(code=code, normalized=symbols, actor=scanner, site=site)
    # Lock before reading the state: two docks can scan the same parcel at once.
    rma = selectors.return_for_update(pk=found)
    if rma.state in RECEIVED_OR_LATER:
        return _log_scan(code=code, normalized=ran, actor=scanner, site=site, result=ScanResult.DUPLICATE, rma=rma)
    if not can_proceed(rma.receive):
        return _log_scan(code=code, normalized=ran, actor=scanner, site=site, result=ScanResult.WRONG_STATE, rma=rma)
    apply_transition(
        rma=rma, transition="receive", actor=actor, details={"code": code, **arrival_details(site=site, rma=rma)}
    )
    return _log_scan(code=code, normalized=ran, actor=scanner, site=site, result=ScanResult.RECEIVED, rma=rma)


@transaction.atomic
def receive_expired(*, rma: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """A manager accepts a parcel whose RAN has expired; the reason is recorded."""
    actor = require(actor, "rma.receive_expired", action="receive a parcel with an expired RAN", on=rma)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for accepting an expired RAN.")
    return apply_transition(rma=locked(rma), transition="receive_expired", actor=actor, note=reason)

