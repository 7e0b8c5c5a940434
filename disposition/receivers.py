from django.dispatch import receiver

from disposition import services
from inspection.signals import return_inspected


@receiver(return_inspected, dispatch_uid="disposition_finish_when_nothing_arrived")
def finish_when_nothing_arrived(sender, rma, actor, **kwargs) -> None:
    services.finish_when_nothing_arrived(rma=rma)
