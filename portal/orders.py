"""The one place the portal finds a customer's order: imported, or asked of the client's system."""

from core.actors import CustomerActor, SystemActor
from rma import services
from rma.models import Client, Order

# Who asks the client's system for an order while the customer is not yet proven.
PORTAL_LOOKUP = SystemActor(job="portal order lookup")


def find_order(*, client: Client, number: str, email: str) -> Order | None:
    """The client's order with this number whose customer has this email; None for a wrong email and an
    unknown order alike, so the answer never tells which order numbers exist.

    An order never imported is asked of the client's system (rma.services.find_order), which raises
    OrderLookupUnavailable when that system cannot answer.
    """
    number = number.strip()
    order = Order.objects.filter(client=client, number__iexact=number).first()
    order = order or services.find_order(client=client, number=number, actor=PORTAL_LOOKUP)
    if order is None or order.customer.email.strip().lower() != email.strip().lower():
        return None
    return order


def customer_of(order: Order) -> CustomerActor:
    return CustomerActor(customer=order.customer)
