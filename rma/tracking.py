"""What a carrier's tracking event means for a return.

Carriers word their scans differently ("Picked up", "PICKED-UP", "picked_up"), so an event is first
normalized: trimmed, lower case, spaces and hyphens as underscores. Then one question decides:
does it show the parcel on its way to us? Those events, listed here, move an authorized return to
`in_transit`. Every other event (a label created, an exception, a failed delivery attempt, a return
to the sender, or any wording not listed) is recorded on the return and changes nothing: a return
is never moved on a guess.
"""

import re

PARCEL_MOVING = frozenset({
    "accepted",  # handed in at a drop-off point or parcel shop
    "picked_up",  # collected from the customer
    "collected",
    "in_transit",
    "departed",  # left a carrier facility
    "departed_facility",
    "arrived_at_facility",
    "out_for_delivery",  # on its last leg, to our dock
    "delivered",  # at our dock; the return is received only when the dock scans it in
})


def normalize_event(wording: str | None) -> str:
    """'Picked up' -> 'picked_up': the form events are stored and compared in."""
    return re.sub(r"[\s-]+", "_", (wording or "").strip().lower())


def means_parcel_moving(event: str) -> bool:
    return normalize_event(event) in PARCEL_MOVING
