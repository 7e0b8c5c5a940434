"""The one place the API finds a client's order by its number: imported, or asked of the client's system."""

from rest_framework.exceptions import NotFound

from core.actors import Actor
from rma import services
from rma.models import Client, Order


def order_for(client: Client, number: str, actor: Actor) -> Order:
    """The client's order `number`, or a 404: another client's order is as unknown as a missing one.

    An order never imported is asked of the client's own system (rma.services.find_order); when that
    system cannot answer, OrderLookupUnavailable becomes a 503 the client may retry.
    """
    order = services.find_order(client=client, number=number, actor=actor)
    if order is None:
        raise NotFound(f"No order {number} is known.")
    return Order.objects.select_related("customer").prefetch_related("lines").get(pk=order.pk)
