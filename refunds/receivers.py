from django.dispatch import receiver

from disposition.signals import return_dispositioned
from refunds import services


@receiver(return_dispositioned, dispatch_uid="refunds_propose_on_disposition")
def propose_refund_for_dispositioned_return(sender, rma, actor, **kwargs) -> None:
    # The system proposes: the proposal is no person's, so any finance user may approve it.
    services.propose_refund(rma=rma, actor=None)
