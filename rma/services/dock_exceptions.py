"""Exceptions at the dock: parcels nobody announced and units a return does not list.

The dock records what it cannot place; customer service decides, once. Lock order: return, then
parcel or extra unit, as everywhere else.
"""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.actors import Actor, require, user_of
from core.errors import DomainError, InvalidInput, TransitionRefused
from core.uploads import checked_photo
from rma import policy as policy_rules
from rma import selectors
from rma.models import (
    ExtraUnit,
    ExtraUnitStatus,
    Order,
    ParcelStatus,
    Reason,
    ReturnEventType,
    ReturnItem,
    ReturnRequest,
    ReturnState,
    UnexpectedParcel,
)
from rma.services._common import arrival_details, invalid_fields, locked
from rma.states import RECEIVED_OR_LATER
from rma.trail import apply_transition, record_event


def _validated(unit: ExtraUnit, *, fields: list[str]) -> None:
    """Field limits (lengths) as InvalidInput naming the field, before anything is saved."""
    try:
        unit.clean_fields(exclude=[f.name for f in unit._meta.fields if f.name not in fields])
    except ValidationError as error:
        raise invalid_fields(error) from None


def _already_resolved(thing: ExtraUnit | UnexpectedParcel) -> DomainError:
    by = f" by {thing.resolved_by}" if thing.resolved_by else ""
    return DomainError(
        f"{thing} is already resolved ({thing.get_status_display().lower()}{by}).", code="already_resolved"
    )


@transaction.atomic
def annotate_unexpected_parcel(
    *, parcel: UnexpectedParcel, actor: Actor, note: str = "", photo: File | None = None
) -> UnexpectedParcel:
    """The dock notes what it sees on a parcel nobody announced (sender, label, contents) and photographs it.

    A new note replaces the last one, a photo the last photo; what is not given stays.
    """
    require(actor, "rma.receive_return", action="note unexpected parcels")
    note = (note or "").strip()
    if not note and not photo:
        raise InvalidInput("Write a note or add a photo of the parcel.")
    if photo:
        photo = checked_photo(photo)
    parcel = UnexpectedParcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.status != ParcelStatus.OPEN:
        raise _already_resolved(parcel)
    changed = ["updated_at"]
    if note:
        parcel.dock_note = note
        changed.append("dock_note")
    if photo:
        parcel.photo = photo
        changed.append("photo")
    parcel.save(update_fields=changed)
    return UnexpectedParcel.objects.get(pk=parcel.pk)


_PARCEL_EVENTS = {
    ParcelStatus.MATCHED: ReturnEventType.UNEXPECTED_PARCEL_MATCHED,
    ParcelStatus.CONVERTED: ReturnEventType.UNEXPECTED_PARCEL_CONVERTED,
}
_EXTRA_UNIT_EVENTS = {
    ExtraUnitStatus.ADDED: ReturnEventType.EXTRA_UNIT_ADDED,
    ExtraUnitStatus.SENT_BACK: ReturnEventType.EXTRA_UNIT_SENT_BACK,
    ExtraUnitStatus.KEPT: ReturnEventType.EXTRA_UNIT_KEPT,
}

# What to do instead when a parcel's return is neither on its way nor received already.
_PARCEL_REFUSED_IN = {
    ReturnState.REQUESTED: "authorize it first, then resolve the parcel",
    ReturnState.EXPIRED: "a manager may receive it despite the expired RAN, then resolve the parcel",
    ReturnState.CANCELLED: "refuse the parcel instead",
    ReturnState.REJECTED: "refuse the parcel instead",
}


def _take_in_parcel(*, rma: ReturnRequest, parcel: UnexpectedParcel, actor: Actor, resolution: str, note: str) -> None:
    """The parcel belongs to `rma`: receive a return still on its way, only note it on one received already."""
    if resolution == ParcelStatus.CONVERTED and rma.requested_at < parcel.created_at:
        raise InvalidInput(f"Return {rma} was requested before this parcel arrived: match it instead.")
    details = {"unexpected_parcel": parcel.pk, "code": parcel.code, "resolution": resolution,
               **arrival_details(site=parcel.warehouse, rma=rma)}
    note = note or f"Unexpected parcel {parcel.code} {resolution}."
    if rma.state in RECEIVED_OR_LATER:
        record_event(rma=rma, action=_PARCEL_EVENTS[resolution], actor=actor, note=note, details=details)
    elif can_proceed(rma.receive):
        apply_transition(rma=rma, transition="receive", actor=actor, note=note, details=details)
    else:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; {_PARCEL_REFUSED_IN[rma.state]}."
        )


@transaction.atomic
def resolve_unexpected_parcel(
    *,
    parcel: UnexpectedParcel,
    actor: Actor,
    resolution: str,
    rma: ReturnRequest | None = None,
    note: str = "",
) -> UnexpectedParcel:
    """Customer service decides what an unexpected parcel is, once.

    `matched`: it belongs to an existing return; `converted`: a return was created for it. Either way
    a return still on its way (authorized, in transit) is received through its transition, and one
    received already is only linked, with an event. `refused`: it goes back to the sender, the note
    says why; a return named with it gets the event too.
    """
    actor = require(actor, "rma.resolve_unexpected_parcel", action="resolve unexpected parcels", on=rma)
    note = (note or "").strip()
    if resolution not in {ParcelStatus.MATCHED, ParcelStatus.CONVERTED, ParcelStatus.REFUSED}:
        raise InvalidInput(f"'{resolution}' is not a way to resolve a parcel: matched, converted or refused.")
    if resolution == ParcelStatus.REFUSED and not note:
        raise InvalidInput("Say why the parcel is refused and where it goes back to.")
    if resolution != ParcelStatus.REFUSED and rma is None:
        raise InvalidInput("Name the return the parcel belongs to.")
    if rma is not None:
        rma = locked(rma)
    parcel = UnexpectedParcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.status != ParcelStatus.OPEN:
        raise _already_resolved(parcel)
    if resolution != ParcelStatus.REFUSED:
        _take_in_parcel(rma=rma, parcel=parcel, actor=actor, resolution=resolution, note=note)
    elif rma is not None:
        record_event(rma=rma, action=ReturnEventType.UNEXPECTED_PARCEL_REFUSED, actor=actor, note=note,
                     details={"unexpected_parcel": parcel.pk, "code": parcel.code})
    parcel.status, parcel.return_request = resolution, rma
    parcel.resolved_by, parcel.resolved_at, parcel.resolution_note = user_of(actor), timezone.now(), note
    parcel.save(update_fields=["status", "return_request", "resolved_by", "resolved_at", "resolution_note",
                               "updated_at"])
    return UnexpectedParcel.objects.get(pk=parcel.pk)


@transaction.atomic
def record_extra_unit(
    *,
    rma: ReturnRequest,
    actor: Actor,
    description: str,
    sku: str = "",
    serial_number: str = "",
    note: str = "",
    photo: File | None = None,
) -> ExtraUnit:
    """A unit found in a received parcel that its return does not list, kept aside for customer service.

    Whoever opens parcels records it: the dock, inspectors and managers (permission rma.add_extraunit).
    Only while the return is received: its parcel is open and its units are not all inspected yet.
    """
    actor = require(actor, "rma.add_extraunit", action="record extra units", on=rma)
    unit = ExtraUnit(
        description=(description or "").strip(), sku=(sku or "").strip(),
        serial_number=(serial_number or "").strip(), note=(note or "").strip(),
    )
    if not unit.description:
        raise InvalidInput("Describe the unit: what it is, its colour or size.")
    _validated(unit, fields=["description", "sku", "serial_number", "note"])
    if photo:
        photo = checked_photo(photo)
    rma = locked(rma)
    if rma.state != ReturnState.RECEIVED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; extra units are recorded while it is received."
        )
    unit.return_request, unit.found_by, unit.found_at = rma, user_of(actor), timezone.now()
    if photo:
        unit.photo = photo
    unit.save()
    record_event(
        rma=rma, action=ReturnEventType.EXTRA_UNIT_FOUND, actor=actor, note=unit.note, at=unit.found_at,
        details={"extra_unit": unit.pk, "description": unit.description, "sku": unit.sku,
                 "serial_number": unit.serial_number},
    )
    return ExtraUnit.objects.get(pk=unit.pk)


def _add_found_unit(*, rma: ReturnRequest, extra_unit: ExtraUnit, reason: str, note: str) -> ReturnItem:
    """The extra unit becomes a unit of the return, on an order line with its SKU that has a unit to spare."""
    if rma.state != ReturnState.RECEIVED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; a unit is added only while the return is "
            "received, so it is inspected with the rest. Send it back or keep it."
        )
    if reason not in Reason.values:
        raise InvalidInput(f"'{reason}' is not a return reason.")
    if reason not in (rma.policy.accepted_reasons or []):
        raise InvalidInput(f"The return's policy does not accept the reason '{reason}'.")
    if not extra_unit.sku:
        raise InvalidInput("The unit has no SKU, so it matches no order line: send it back or keep it.")
    # Lock the order: a unit added here and a new request must not both claim the last unit of a line.
    order = Order.objects.select_for_update().get(pk=rma.order_id)
    lines = list(order.lines.filter(sku__iexact=extra_unit.sku).order_by("line_number"))
    if not lines:
        raise InvalidInput(f"Order {order.number} has no line with SKU {extra_unit.sku}: send it back or keep it.")
    claimed = selectors.units_claimed(line_ids=[line.pk for line in lines])
    line = next((line for line in lines if claimed.get(line.pk, 0) < line.quantity), None)
    if line is None:
        raise InvalidInput(f"Every unit of {extra_unit.sku} delivered on order {order.number} is already returned.")
    if policy_rules.is_final_sale(policy=rma.policy, line=line):
        raise InvalidInput(f"{line.sku} is final sale under the return's policy: send it back or keep it.")
    last = rma.items.order_by("-unit_number").values_list("unit_number", flat=True).first() or 0
    comment = " ".join(part for part in ("Found in the parcel, not on the request.", note) if part)
    return ReturnItem.objects.create(
        return_request=rma, order_line=line, unit_number=last + 1, reason=reason, comment=comment,
        serial_number=extra_unit.serial_number,
    )


@transaction.atomic
def resolve_extra_unit(
    *, extra_unit: ExtraUnit, actor: Actor, resolution: str, note: str = "", reason: str = Reason.OTHER
) -> ExtraUnit:
    """Customer service decides about an extra unit, once.

    `added`: it becomes a unit of its return with `reason`, inspected with the rest (the return must
    still be received, and its order must have a line with that SKU with a unit not yet returned);
    `sent_back` to the customer, or `kept` by the facility or the client: the note says why.
    """
    actor = require(
        actor, "rma.resolve_unexpected_parcel", action="resolve extra units", on=extra_unit.return_request
    )
    note = (note or "").strip()
    if resolution not in {ExtraUnitStatus.ADDED, ExtraUnitStatus.SENT_BACK, ExtraUnitStatus.KEPT}:
        raise InvalidInput(f"'{resolution}' is not a way to resolve an extra unit: added, sent_back or kept.")
    if resolution != ExtraUnitStatus.ADDED and not note:
        raise InvalidInput("Say why the unit is sent back or kept.")
    rma = locked(extra_unit.return_request)
    extra_unit = ExtraUnit.objects.select_for_update().get(pk=extra_unit.pk)
    if extra_unit.status != ExtraUnitStatus.OPEN:
        raise _already_resolved(extra_unit)
    details = {"extra_unit": extra_unit.pk, "description": extra_unit.description, "sku": extra_unit.sku}
    if resolution == ExtraUnitStatus.ADDED:
        extra_unit.added_as = _add_found_unit(rma=rma, extra_unit=extra_unit, reason=reason, note=note)
        details["unit"] = extra_unit.added_as.unit_number
    now = timezone.now()
    extra_unit.status = resolution
    extra_unit.resolved_by, extra_unit.resolved_at, extra_unit.resolution_note = user_of(actor), now, note
    extra_unit.save(update_fields=["status", "added_as", "resolved_by", "resolved_at", "resolution_note"])
    record_event(rma=rma, action=_EXTRA_UNIT_EVENTS[resolution], actor=actor, note=note, details=details, at=now)
    return ExtraUnit.objects.get(pk=extra_unit.pk)

