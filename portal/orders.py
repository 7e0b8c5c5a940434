"""The one place the portal finds a customer's order (the live lookup of the client's system joins here)."""

from core.actors import CustomerActor
from rma.models import Client, Order


def find_order(*, client: Client, number: str, email: str) -> Order | None:
    """The client's order with this number whose customer has this email; None for a wrong email and an
    unknown order alike, so the answer never tells which order numbers exist."""
    order = (
        Order.objects.select_related("client", "customer")
        .filter(client=client, number__iexact=number.strip()).first()
    )
    if order is None or order.customer.email.strip().lower() != email.strip().lower():
        return None
    return order


def customer_of(order: Order) -> CustomerActor:
    return CustomerActor(customer=order.customer)
