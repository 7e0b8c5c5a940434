"""Refunds to the original payment method, paid by the client's own payment system.

Issuing such a refund writes `refund.requested` into the outbox (DESIGN.md's payload), in the same
transaction. When it is delivered, a reply carrying `{"reference": ...}` completes the refund at
once; a reply without one means the client confirms later, and the refund waits as `requested`. A
message that finally fails leaves the refund `failed` in finance's queue, with the last error.
The outbox calls back here as the system: the refund is paid once however often a message arrives.
"""

from collections.abc import Callable

from core.actors import Actor, SystemActor, require
from core.money import quantize
from outbox import registry
from outbox.models import Message
from outbox.services import enqueue_webhook
from refunds import issuing
from refunds.models import Refund, RefundStatus
from rma import later_stages
from rma.models import ReturnEventType, ReturnRequest
from rma.webhooks import client_endpoint, client_owner

REFUND_REQUESTED = "refund.requested"
OUTBOX = SystemActor(job="outbox")
LONGEST_REFERENCE = 200


def can_request(rma: ReturnRequest) -> bool:
    """Whether the client's system takes refund requests: it has a webhook URL and a secret to sign with."""
    return bool(rma.client.webhook_url and rma.client.webhook_secret)


def request_payout(*, refund: Refund, rma: ReturnRequest, actor: Actor) -> Message:
    """Write refund.requested for the client's system (inside the issuing transaction), once per try: issuing
    again while a request is on its way returns that request; only a failed one is followed by a new try.
    """
    tries = rma.events.filter(action=ReturnEventType.REFUND_FAILED, details__refund=refund.pk).count()
    order = rma.order
    data = {
        "refund_id": refund.pk, "ran": rma.ran, "order_number": order.number,
        "amount": str(quantize(refund.amount, refund.currency)), "currency": refund.currency,
        "payment_method": order.payment_method, "payment_reference": order.payment_reference,
        "idempotency_key": str(refund.idempotency_key),
    }
    message, created = enqueue_webhook(
        type=REFUND_REQUESTED, url=rma.client.webhook_url, owner=client_owner(rma.client_id), data=data,
        idempotency_key=f"refund-requested:{refund.pk}:{tries + 1}",
    )
    if not created:
        return message
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_REQUESTED, actor=actor,
        details={"refund": refund.pk, "amount": data["amount"], "currency": refund.currency,
                 "message": message.message_id},
    )
    return message


def _refund_of(message: Message) -> tuple[ReturnRequest, Refund]:
    refund = Refund.objects.get(pk=message.payload["data"]["refund_id"])
    rma = later_stages.lock_return(rma=refund.return_request)
    return rma, Refund.objects.select_for_update().get(pk=refund.pk)


def completing_on(reply_key: str, *, longest: int) -> Callable[[Message, registry.Reply], None]:
    """What a delivered request does: the refund issued now if the reply names its `reply_key` (the payout's
    reference, or an exchange's replacement order number), else left waiting for the client's confirmation.
    """

    def on_delivered(message: Message, reply: registry.Reply) -> None:
        rma, refund = _refund_of(message)
        if refund.status != RefundStatus.APPROVED:
            return  # confirmed meanwhile (or a redelivery): nothing more to do
        reference = reply.body.get(reply_key) if isinstance(reply.body, dict) else None
        if isinstance(reference, str) and reference.strip():
            require(OUTBOX, "refunds.complete_refund", action="complete refunds", on=refund)
            issuing.settle(rma=rma, refund=refund, actor=OUTBOX, reference=reference.strip()[:longest])
            return
        refund.await_confirmation()
        refund.save(update_fields=["status"])
        later_stages.record_event(
            rma=rma, action=ReturnEventType.REFUND_AWAITING_CONFIRMATION, actor=OUTBOX,
            details={"refund": refund.pk, "message": message.message_id},
        )

    return on_delivered


def on_failed(message: Message) -> None:
    rma, refund = _refund_of(message)
    if refund.status not in (RefundStatus.APPROVED, RefundStatus.REQUESTED):
        return
    refund.fail()
    refund.save(update_fields=["status"])
    later_stages.record_event(
        rma=rma, action=ReturnEventType.REFUND_FAILED, actor=OUTBOX, note=message.last_error[:500],
        details={"refund": refund.pk, "message": message.message_id, "status_code": message.last_status_code},
    )


def register_message_types() -> None:
    registry.register(REFUND_REQUESTED, endpoint=client_endpoint, on_failed=on_failed,
                      on_delivered=completing_on("reference", longest=LONGEST_REFERENCE))
