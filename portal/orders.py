"""The portal's one door to a client's orders: every lookup by order number goes through `find_order`."""

from rma.models import Client, Order


def find_order(*, client: Client, number: str) -> Order | None:
    """The client's order with this number, or None.

    Reads the imported orders. The live lookup in the client's own system replaces this body with
    rma.services.find_order, which may raise a DomainError when that system cannot be reached.
    """
    return Order.objects.select_related("client", "customer").filter(client=client, number=number).first()
