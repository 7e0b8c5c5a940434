"""A chargeback: the customer's bank took the order's payment back, so none of its returns is refunded."""

from django.db import transaction
from django.utils import timezone

from core.actors import Actor, require
from core.errors import InvalidInput
from rma.models import Order, ReturnEventType
from rma.states import LIVE
from rma.trail import record_event

LONGEST_NOTE = 500


@transaction.atomic
def mark_order_charged_back(*, order: Order, actor: Actor, note: str) -> Order:
    """Record the chargeback the client reports; every live return of the order notes it on its timeline."""
    actor = require(actor, "rma.mark_charged_back", action="mark orders as charged back", on=order)
    note = (note or "").strip()
    if not note or len(note) > LONGEST_NOTE:
        raise InvalidInput(f"Say what the client reported, in at most {LONGEST_NOTE} characters.")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.charged_back_at:
        raise InvalidInput(f"Order {order.number} was marked as charged back on {order.charged_back_at:%Y-%m-%d}.")
    order.charged_back_at, order.charged_back_note = timezone.now(), note
    order.save(update_fields=["charged_back_at", "charged_back_note", "updated_at"])
    for rma in order.returns.select_for_update().filter(state__in=LIVE):
        record_event(rma=rma, action=ReturnEventType.ORDER_CHARGED_BACK, actor=actor, note=note)
    return order
