"""The chain after the last unit of a return, in one place: what happens without anyone asking.

1. The last unit is inspected (inspection.services.record_inspection moves the return to
   `inspected`): when no unit arrived at all, there is nothing to disposition, and the return
   moves on to `dispositioned` at once.
2. The return is `dispositioned` (its last disposition, or step 1): the system proposes its refund,
   or closes it (`closed`) when nothing is owed.

Every step runs inside the transaction of the contract function that started the chain
(rma.chain.continue_after), so its caller sees the whole chain done when it returns.
"""

from core.actors import Actor, SystemActor
from disposition import services as disposition_services
from refunds import services as refund_services
from rma import chain
from rma.models import ReturnRequest
from rma.states import ReturnState

# The system proposes: the proposal is no person's, so any finance user may approve it.
REFUND_AFTER_DISPOSITION = SystemActor("refund_after_disposition")


def after_last_inspection(*, rma: ReturnRequest, actor: Actor) -> None:
    disposition_services.finish_when_nothing_arrived(rma=rma)


def after_last_disposition(*, rma: ReturnRequest, actor: Actor) -> None:
    refund_services.propose_refund(rma=rma, actor=REFUND_AFTER_DISPOSITION)


def register() -> None:
    chain.register(ReturnState.INSPECTED, after_last_inspection)
    chain.register(ReturnState.DISPOSITIONED, after_last_disposition)
