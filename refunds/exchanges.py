"""Exchanges: the value of the return becomes a replacement order, placed by the client's own system.

Issuing an exchange refund writes `exchange.requested` into the outbox (DESIGN.md's payload), in the
same transaction. When it is delivered, a reply carrying `{"replacement_order_number": ...}` completes
the refund at once (issued with that number as its reference, the return refunded); a reply without
one means the client confirms later (`confirm_exchange`, or `refunds.services.complete_refund`), and
the refund waits as `requested`. A message that finally fails leaves the refund `failed` in finance's
queue, as a refund.requested does. A client without a webhook URL places the order in its own shop,
and finance issues the refund with the replacement order number as its reference.
"""

from django.db import transaction
from django_fsm import can_proceed

from core.actors import Actor, require
from core.errors import InvalidInput, TransitionRefused
from core.money import quantize
from outbox import registry
from outbox.models import Message
from outbox.services import enqueue_webhook
from refunds import issuing, payouts
from refunds.models import Refund, RefundStatus
from rma import later_stages
from rma.models import RefundMethod, ReturnEventType, ReturnRequest
from rma.webhooks import client_endpoint, client_owner

EXCHANGE_REQUESTED = "exchange.requested"
LONGEST_ORDER_NUMBER = payouts.LONGEST_REFERENCE


def request_exchange(*, refund: Refund, rma: ReturnRequest, actor: Actor) -> Message:
    """Write exchange.requested for the client's system (inside the issuing transaction); once per try.

    The client places one replacement order per `refund_id`: a try after a failure carries the same one.
    """
    if not rma.exchange_sku:
        raise InvalidInput(
            f"Return {rma} names no replacement SKU: place the replacement order in {rma.client}'s shop and "
            "issue the refund with its order number."
        )
    tries = rma.events.filter(action=ReturnEventType.REFUND_FAILED, details__refund=refund.pk).count()
    data = {
        "refund_id": refund.pk, "ran": rma.ran, "order_number": rma.order.number, "sku": rma.exchange_sku,
        "quantity": len(refund.breakdown.get("units", [])),
        "value": str(quantize(refund.amount, refund.currency)), "currency": refund.currency,
    }
    message, created = enqueue_webhook(
        type=EXCHANGE_REQUESTED, url=rma.client.webhook_url, owner=client_owner(rma.client_id), data=data,
        idempotency_key=f"exchange-requested:{refund.pk}:{tries + 1}",
    )
    if not created:  # issued again while the request is on its way: that request stands
        return message
    later_stages.record_event(
        rma=rma, action=ReturnEventType.EXCHANGE_REQUESTED, actor=actor,
        details={"refund": refund.pk, "sku": data["sku"], "quantity": data["quantity"], "value": data["value"],
                 "currency": refund.currency, "message": message.message_id},
    )
    return message


def _replacement_order_number(*, replacement_order_number: str) -> str:
    number = (replacement_order_number or "").strip()
    if not number or len(number) > LONGEST_ORDER_NUMBER:
        raise InvalidInput(f"Give the replacement order's number, at most {LONGEST_ORDER_NUMBER} characters.")
    return number


@transaction.atomic
def confirm_exchange(*, refund: Refund, actor: Actor, replacement_order_number: str) -> Refund:
    """The client placed the replacement order: the exchange is issued with its number. Once: again, nothing."""
    actor = require(actor, "refunds.complete_refund", action="confirm exchanges", on=refund)
    number = _replacement_order_number(replacement_order_number=replacement_order_number)
    rma = later_stages.lock_return(rma=refund.return_request)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.method != RefundMethod.EXCHANGE:
        raise InvalidInput(f"This refund is paid by {refund.get_method_display().lower()}, not as an exchange.")
    if refund.status == RefundStatus.ISSUED:
        return refund
    if not can_proceed(refund.issue):
        raise TransitionRefused(f"This exchange is {refund.get_status_display().lower()}; it cannot be confirmed.")
    return issuing.settle(rma=rma, refund=refund, actor=actor, reference=number)


def register_message_types() -> None:
    # A request that never arrives fails its refund for finance the same way, whatever was asked.
    registry.register(
        EXCHANGE_REQUESTED, endpoint=client_endpoint, on_failed=payouts.on_failed,
        on_delivered=payouts.completing_on("replacement_order_number", longest=LONGEST_ORDER_NUMBER),
    )
