"""Return policies: each change is a new version, and a return keeps the version it was requested under."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import Actor, require, user_of
from rma import selectors
from rma.models import Client, ReturnPolicy
from rma.services._common import invalid_fields


@transaction.atomic
def publish_policy_version(*, client: Client, actor: Actor, **terms: Any) -> ReturnPolicy:
    """Make `terms` the client's policy from now on, as a new version; returns keep the version they have."""
    actor = require(actor, "rma.add_returnpolicy", action="publish return policies", on=client)
    # Lock the client: two managers publishing at once must not draw the same version number.
    client = Client.objects.select_for_update().get(pk=client.pk)
    latest = selectors.current_policy(client=client)
    policy = ReturnPolicy(
        client=client, version=(latest.version + 1) if latest else 1, created_by=user_of(actor), **terms
    )
    try:
        policy.full_clean(exclude=["client", "version"])
    except ValidationError as error:
        raise invalid_fields(error) from None
    policy.save()
    return policy
