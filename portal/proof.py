"""What a customer proved on the portal (order number + email, or RAN + email), kept briefly in their session.

The proof is per client and names the customer and the order it was shown for; it acts as the
customer (core.actors.CustomerActor), so the services themselves refuse anything not theirs.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from core.actors import CustomerActor
from rma.models import Client, Customer, Order

BY_ORDER = "order_number_and_email"
BY_RAN = "ran_and_email"


@dataclass(frozen=True)
class Proof:
    customer: Customer
    order: Order
    proven_by: str

    @property
    def actor(self) -> CustomerActor:
        return CustomerActor(customer=self.customer, proven_by=self.proven_by)


def _key(client: Client) -> str:
    return f"portal-proof-{client.pk}"


def remember(request: HttpRequest, *, order: Order, proven_by: str) -> None:
    # A new session key once proven: a session id planted before the lookup learns nothing.
    request.session.cycle_key()
    request.session[_key(order.client)] = {
        "customer": order.customer_id, "order": order.pk, "proven_by": proven_by,
        "until": time.time() + settings.PORTAL_PROOF_SECONDS,
    }


def forget(request: HttpRequest, *, client: Client) -> None:
    request.session.pop(_key(client), None)


def proof_for(request: HttpRequest, *, client: Client) -> Proof | None:
    """The customer's still valid proof for this client's portal, else None."""
    kept = request.session.get(_key(client))
    if not kept or kept.get("until", 0) < time.time():
        return None
    order = (
        Order.objects.select_related("customer", "client")
        # An erased customer's proof ends with the erasure: they asked to be forgotten.
        .filter(pk=kept["order"], client=client, customer_id=kept["customer"], customer__erased_at__isnull=True)
        .first()
    )
    if order is None:
        return None
    return Proof(customer=order.customer, order=order, proven_by=kept["proven_by"])
