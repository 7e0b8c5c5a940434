"""The states of a return and the groups of them that rules and screens speak of, declared once.

The transitions between the states are on rma.models.ReturnRequest; every rule about "which returns"
(count against an order line, wait in a stage, may be scanned in again, ...) names one of these sets.
"""

from django.db import models


class ReturnState(models.TextChoices):
    REQUESTED = "requested"  # asked for, waiting for the policy checks or customer service
    AUTHORIZED = "authorized"  # RAN issued, the customer may ship
    IN_TRANSIT = "in_transit", "In transit"  # the carrier has the parcel
    RECEIVED = "received"  # scanned in at the dock
    INSPECTED = "inspected"  # every unit graded (or found missing)
    DISPOSITIONED = "dispositioned"  # every unit has a confirmed destination
    REFUNDED = "refunded"  # refund issued: the end of a normal return
    REJECTED = "rejected"  # customer service refused the request
    CANCELLED = "cancelled"  # withdrawn by the customer or customer service
    EXPIRED = "expired"  # the RAN ran out before the parcel arrived
    CLOSED = "closed"  # finished without a refund (denied, or nothing owed)


ALL = frozenset(ReturnState.values)
# Nothing more happens to these returns (but a manager may still receive an expired RAN).
ENDED = frozenset({
    ReturnState.REFUNDED, ReturnState.REJECTED, ReturnState.CANCELLED, ReturnState.EXPIRED, ReturnState.CLOSED,
})
LIVE = ALL - ENDED
# Dead ends before the parcel arrived: their units no longer count against the order line's quantity.
RELEASED_UNITS = frozenset({ReturnState.REJECTED, ReturnState.CANCELLED, ReturnState.EXPIRED})
CLAIMING = ALL - RELEASED_UNITS
# The order stays a return's proof of purchase until it is rejected or cancelled: an expired RAN may
# still be received, and a refunded or closed return keeps its order. Such lines are never corrected.
HOLDING_PROOF_OF_PURCHASE = ALL - {ReturnState.REJECTED, ReturnState.CANCELLED}
# The parcel is expected: labels print, the carrier and tracking number may be set or corrected.
AWAITING_PARCEL = frozenset({ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT})
# The parcel is at the facility: a second scan of it changes nothing.
RECEIVED_OR_LATER = frozenset({
    ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.DISPOSITIONED, ReturnState.REFUNDED, ReturnState.CLOSED,
})
# Authorization picks the warehouse the parcel is sent to; only these may never have been authorized.
MAY_BE_UNROUTED = frozenset({ReturnState.REQUESTED, ReturnState.REJECTED, ReturnState.CANCELLED})
ROUTED = ALL - MAY_BE_UNROUTED
# The parcel has left the customer: a carrier's scan has nothing left to move.
SHIPPED_OR_LATER = RECEIVED_OR_LATER | {ReturnState.IN_TRANSIT}
# What a live return waits for in each stage, in lifecycle order.
WAITING_FOR = {
    ReturnState.REQUESTED: "authorization",
    ReturnState.AUTHORIZED: "the customer to ship",
    ReturnState.IN_TRANSIT: "arrival at the dock",
    ReturnState.RECEIVED: "inspection",
    ReturnState.INSPECTED: "disposition",
    ReturnState.DISPOSITIONED: "the refund",
}
