"""The last step of every refund, however it was paid: the refund `issued` with its payout's reference
and the return `refunded` (a correction leaves it refunded: refunds.corrections). Callers have checked
the actor and locked the return and the refund.
"""

from django.utils import timezone

from core.actors import Actor, user_of
from refunds import corrections
from refunds.models import Refund
from rma import later_stages
from rma.models import ReturnRequest


def settle(
    *, rma: ReturnRequest, refund: Refund, actor: Actor, reference: str, details: dict | None = None
) -> Refund:
    if refund.is_correction:
        return corrections.settle(rma=rma, refund=refund, actor=actor, reference=reference)
    later_stages.ensure_transition_allowed(rma=rma, transition="refund")
    refund.issue(by=user_of(actor), at=timezone.now(), reference=reference)
    refund.save(update_fields=["status", "issued_by", "issued_at", "external_reference"])
    later_stages.mark_refunded(
        rma=rma, actor=actor,
        details={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
                 "method": refund.method, "reference": reference,
                 **({"bonus_amount": str(refund.bonus_amount)} if refund.bonus_amount else {}), **(details or {})},
    )
    return refund
