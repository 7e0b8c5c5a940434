"""Refunds a client's own systems owe (original payment, exchanges), made through the services, for the settlement
and exchange tests."""

from outbox import delivery
from outbox.models import Message
from refunds import services
from refunds.models import Refund
from rma.models import Client, ReturnState
from tests.factories import Staff, order_for, return_in_state


def refund_for(client: Client, staff: Staff, *, unit_price: str = "50.00", currency: str = "EUR",
               **order_fields) -> Refund:
    """A refund to the original payment method of one unit, proposed after its disposition (pending approval)."""
    order = order_for(client, quantity=1, unit_price=unit_price, currency=currency, **order_fields)
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, client=client, order=order, units=1,
                          refund_method="original_payment")
    return rma.refunds.get()


def owed_refund(client: Client, staff: Staff, **kwargs) -> Refund:
    """An approved refund to the original payment method: the client owes it."""
    return services.approve_refund(refund=refund_for(client, staff, **kwargs), actor=staff.finance)


def approved_exchange(staff: Staff, client: Client, sku: str = "KE-TEE-M-BLUE") -> Refund:
    """An approved exchange of one unit for `sku` (the client's policy offers exchanges): the client owes it."""
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=client, refund_method="exchange",
                          exchange_sku=sku)
    return services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)


def refund_message(refund: Refund) -> Message:
    return Message.objects.filter(type="refund.requested", payload__data__refund_id=refund.pk).latest("pk")


def sent_to_client(refund: Refund, staff: Staff) -> Refund:
    """Issued to a client whose system takes refund.requested and answers that it will confirm later."""
    services.issue_refund(refund=refund, actor=staff.finance)
    delivery.deliver(message_pk=refund_message(refund).pk)
    return Refund.objects.get(pk=refund.pk)


def failed_on_the_way(refund: Refund, staff: Staff) -> Refund:
    """Issued, but its refund.requested message failed for good."""
    services.issue_refund(refund=refund, actor=staff.finance)
    message = refund_message(refund)
    Message.objects.filter(pk=message.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.deliver(message_pk=message.pk)
    return Refund.objects.get(pk=refund.pk)
