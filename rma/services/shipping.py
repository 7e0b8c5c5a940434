"""The parcel on its way: carrier and tracking number, and the carrier's own tracking events."""

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import InvalidInput, TransitionRefused
from rma import selectors
from rma import tracking as carrier_tracking
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnEventType, ReturnRequest, ReturnState
from rma.services._common import clean_text, locked
from rma.states import AWAITING_PARCEL, ENDED, SHIPPED_OR_LATER
from rma.trail import apply_transition, record_event


@transaction.atomic
def mark_in_transit(
    *, rma: ReturnRequest, actor: Actor, carrier: str, tracking_number: str, note: str = ""
) -> ReturnRequest:
    """Record the carrier's parcel; the return is on its way."""
    actor = require(actor, "rma.set_tracking", action="set carrier and tracking", on=rma)
    carrier = clean_text(carrier, model=ReturnRequest, field="carrier")
    tracking_number = clean_text(tracking_number, model=ReturnRequest, field="tracking_number")
    return _ship(rma=locked(rma), actor=actor, carrier=carrier, tracking_number=tracking_number, note=note)


def _ship(*, rma: ReturnRequest, actor: Actor, carrier: str, tracking_number: str, note: str) -> ReturnRequest:
    return apply_transition(
        rma=rma, transition="ship", actor=actor, carrier=carrier, tracking_number=tracking_number, note=note,
        details={"carrier": carrier, "tracking_number": tracking_number},
    )


@transaction.atomic
def set_tracking(*, rma: ReturnRequest, actor: Actor, carrier: str, tracking_number: str) -> ReturnRequest:
    """Record or correct the parcel's carrier and tracking number without moving the return.

    A prepaid label's tracking number is known before the parcel moves: the carrier's first scan
    (record_carrier_event) or mark_in_transit moves the return on. Allowed while it is authorized or
    in transit; the event keeps the old and the new values.
    """
    actor = require(actor, "rma.set_tracking", action="set carrier and tracking", on=rma)
    carrier = clean_text(carrier, model=ReturnRequest, field="carrier")
    tracking_number = clean_text(tracking_number, model=ReturnRequest, field="tracking_number")
    rma = locked(rma)
    if rma.state not in AWAITING_PARCEL:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; "
            "its carrier and tracking number can be set only while it is authorized or in transit."
        )
    old = {"carrier": rma.carrier, "tracking_number": rma.tracking_number}
    new = {"carrier": carrier, "tracking_number": tracking_number}
    if old == new:
        return rma
    note = f"{carrier} {tracking_number}"
    if any(old.values()):
        note += " (was {carrier} {tracking_number})".format(**old)
    rma.carrier, rma.tracking_number = carrier, tracking_number
    rma.save(update_fields=["carrier", "tracking_number", "updated_at"])
    record_event(
        rma=rma, action=ReturnEventType.SET_TRACKING, actor=actor, note=note, details={"old": old, "new": new},
    )
    return rma


def _returns_named_by(tracking_number: str) -> list[ReturnRequest]:
    """The returns a carrier's tracking number may belong to, locked."""
    return preferring_live(
        selectors.returns_with_tracking(tracking_number=tracking_number).select_for_update(of=("self",)).order_by("pk")
    )


def preferring_live(candidates: Iterable[ReturnRequest]) -> list[ReturnRequest]:
    """Of the returns with one tracking number, the live ones, or else all of them.

    Carriers reuse numbers, so an ended return's old parcel does not compete with a live one, while a
    late scan of a finished return's parcel still finds it.
    """
    candidates = list(candidates)
    return [rma for rma in candidates if rma.state not in ENDED] or candidates


def carrier_event_effect(*, rma: ReturnRequest, state: str, event: str) -> tuple[str, str]:
    """What one carrier event does to a return in `state`: the outcome, and what to tell the importer.

    Decided on the state alone, so that an import can foresee a whole file without changing anything.
    """
    if not carrier_tracking.means_parcel_moving(event):
        return CarrierEventOutcome.RECORDED, f"Recorded on return {rma}; '{event}' does not move a return."
    if state == ReturnState.AUTHORIZED:
        return CarrierEventOutcome.APPLIED, f"Return {rma} is now in transit."
    label = ReturnState(state).label.lower()
    if state in SHIPPED_OR_LATER:
        return CarrierEventOutcome.RECORDED, f"Return {rma} is already {label}."
    return CarrierEventOutcome.REFUSED, (
        f"Return {rma} is {label}, yet its parcel is moving ('{event}'): expect it at the dock as an exception."
    )


def shipping_carrier(*, rma: ReturnRequest, carrier: str) -> str:
    """The carrier a return is marked in transit with: its own, else the scan's; InvalidInput when neither."""
    return clean_text(rma.carrier or carrier, model=ReturnRequest, field="carrier")


def _cleaned_carrier_event(
    *, tracking_number: str, event: str, occurred_at: dt.datetime, carrier: str, description: str,
) -> dict:
    """One carrier event's fields checked against their columns, the event normalized; InvalidInput if bad."""
    fields = {
        "tracking_number": clean_text(tracking_number, model=CarrierEvent, field="tracking_number"),
        "event": clean_text(carrier_tracking.normalize_event(event), model=CarrierEvent, field="event"),
        "carrier": clean_text(carrier, model=CarrierEvent, field="carrier", required=False),
        "description": clean_text(description, model=CarrierEvent, field="description", required=False),
    }
    if not isinstance(occurred_at, dt.datetime) or timezone.is_naive(occurred_at):
        raise InvalidInput("Give the time of the carrier event with its time zone.")
    return {**fields, "occurred_at": occurred_at}


@transaction.atomic
def record_carrier_event(
    *,
    tracking_number: str,
    event: str,
    occurred_at: dt.datetime,
    actor: Actor,
    carrier: str = "",
    description: str = "",
) -> CarrierEvent:
    """Record one event of a carrier's tracking feed and apply what it means to the return it names.

    The return is the one with this tracking number (trimmed, in any case); a number no return has, or
    that several have, is reported and never guessed. An event showing the parcel on its way
    (rma.tracking.PARCEL_MOVING) marks an authorized return in transit through mark_in_transit; on a
    return already shipped it is recorded, on a rejected, cancelled or expired one refused (and kept).
    Any other event is recorded. Every outcome is a CarrierEvent; one that names a single return is
    also on that return's trail (its ship event when applied, else a carrier_event event).

    Recording the same event (tracking number, event, time) again returns the first record and changes
    nothing, except that an event which matched no return is looked up again: after customer service
    corrects a tracking number, importing the carrier's file again applies it.
    """
    actor = require(actor, "rma.import_tracking", action="import carrier tracking")
    fields = _cleaned_carrier_event(
        tracking_number=tracking_number, event=event, occurred_at=occurred_at, carrier=carrier,
        description=description,
    )
    # Lock the returns before looking for an earlier record: two imports of one file record each event once.
    matches = _returns_named_by(fields["tracking_number"])
    recorded = selectors.recorded_carrier_event(
        tracking_number=fields["tracking_number"], event=fields["event"], occurred_at=occurred_at
    )
    return record_carrier_event_on(matches=matches, recorded=recorded, actor=actor, **fields)


def record_carrier_event_on(
    *,
    matches: list[ReturnRequest],
    recorded: CarrierEvent | None,
    tracking_number: str,
    event: str,
    occurred_at: dt.datetime,
    carrier: str,
    description: str,
    actor: Actor,
) -> CarrierEvent:
    """record_carrier_event's rules, for checked fields, given the locked returns the tracking number
    names (`preferring_live`) and the event's earlier record.

    Shared with rma.services.import_carrier_events, which locks a whole file's returns at once.
    """
    if recorded is not None and (recorded.is_settled or len(matches) != 1):
        return recorded
    carrier_event = recorded or CarrierEvent(
        tracking_number=tracking_number, event=event, occurred_at=occurred_at, carrier=carrier,
        description=description,
    )
    carrier_event.imported_by, carrier_event.imported_at = user_of(actor), timezone.now()
    rma, outcome, message = carrier_event_outcome(
        tracking_number=tracking_number, event=event, matches=matches, state_of=lambda rma: rma.state
    )
    if rma is None:
        carrier_event.outcome, carrier_event.message = outcome, message
        carrier_event.save()
        return carrier_event
    at = occurred_at.astimezone(dt.UTC)
    summary = " ".join(part for part in (carrier or rma.carrier, event, f"{at:%Y-%m-%d %H:%M} UTC") if part)
    if description:
        summary += f": {description}"
    if outcome == CarrierEventOutcome.APPLIED:
        _ship(rma=rma, actor=actor, carrier=shipping_carrier(rma=rma, carrier=carrier),
              tracking_number=rma.tracking_number, note=summary)
    carrier_event.return_request, carrier_event.outcome, carrier_event.message = rma, outcome, message
    carrier_event.save()
    if outcome != CarrierEventOutcome.APPLIED:
        # An applied event is on the return's trail already, as its ship event.
        record_event(
            rma=rma, action=ReturnEventType.CARRIER_EVENT, actor=actor,
            note=f"{summary}. {message}", details={"carrier_event": carrier_event.pk, "outcome": outcome},
        )
    return carrier_event


def carrier_event_outcome(
    *, tracking_number: str, event: str, matches: list[ReturnRequest], state_of: Callable[[ReturnRequest], str],
) -> tuple[ReturnRequest | None, str, str]:
    """The return a carrier event applies to (None when the number names none, or several), the outcome
    and what to tell the importer; `state_of` gives a return's state (an import foresees a whole file)."""
    if not matches:
        return None, CarrierEventOutcome.UNKNOWN_TRACKING, (
            f"No return has tracking number {tracking_number}; nothing was changed."
        )
    if len(matches) > 1:
        named = ", ".join(str(rma) for rma in matches[:3]) + (", …" if len(matches) > 3 else "")
        return None, CarrierEventOutcome.REFUSED, (
            f"Tracking number {tracking_number} is on {len(matches)} returns ({named}); applied to none."
        )
    rma = matches[0]
    return rma, *carrier_event_effect(rma=rma, state=state_of(rma), event=event)
