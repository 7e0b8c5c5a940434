"""The one place the API finds a client's order by its number."""

from rest_framework.exceptions import NotFound

from core.actors import Actor
from rma.models import Client, Order


def order_for(client: Client, number: str, actor: Actor) -> Order:
    """The client's order `number`, or a 404: another client's order is as unknown as a missing one."""
    order = (
        Order.objects.select_related("customer").prefetch_related("lines")
        .filter(client=client, number=number).first()
    )
    if order is None:
        raise NotFound(f"No order {number} is known.")
    return order
