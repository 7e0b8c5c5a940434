"""The portal's one door to a client's orders: every lookup by order number goes through `find_order`."""

from core.actors import SystemActor
from rma import services
from rma.models import Client, Order

# Who asks the client's system for an order while the customer is not yet proven.
PORTAL_LOOKUP = SystemActor(job="portal order lookup")


def find_order(*, client: Client, number: str) -> Order | None:
    """The client's order with this number, or None: imported, or else asked of the client's own system
    (rma.services.find_order), which raises OrderLookupUnavailable when that system cannot answer."""
    return services.find_order(client=client, number=number, actor=PORTAL_LOOKUP)
