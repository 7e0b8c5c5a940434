"""Telling the customer: a return that closed without refund waits in customer service's queue until
someone has told the customer why, and says so here.
"""

from django.db import transaction

from core.actors import Actor, require
from core.errors import DomainError, InvalidInput, TransitionRefused
from rma import selectors
from rma.models import ReturnEventType, ReturnRequest, ReturnState
from rma.services._common import locked
from rma.trail import record_event

LONGEST_NOTE = 2000


@transaction.atomic
def mark_customer_notified(*, rma: ReturnRequest, actor: Actor, note: str = "") -> ReturnRequest:
    """Record that the customer was told why their return closed without refund (the reason on the return);
    `note` says how or what was agreed. The return leaves the queue of customers to tell."""
    actor = require(actor, "rma.notify_customer", action="record that a customer was told", on=rma)
    note = (note or "").strip()
    if len(note) > LONGEST_NOTE:
        raise InvalidInput(f"A note is at most {LONGEST_NOTE} characters; this one has {len(note)}.")
    rma = locked(rma)
    if rma.state != ReturnState.CLOSED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}: only a return closed without refund waits "
            "for the customer to be told."
        )
    if selectors.customer_was_told(rma=rma):
        raise DomainError(f"The customer of {rma} was already told.", code="customer_already_notified")
    record_event(
        rma=rma, action=ReturnEventType.CUSTOMER_NOTIFIED, actor=actor, note=note or "Customer told.",
        details={"closed_because": rma.decision_reason},
    )
    return locked(rma)
