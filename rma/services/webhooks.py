"""A client's webhook settings, by a manager: the signing secrets and a test event (the URL is checked
by outbox.destinations where it is entered, and again at each send).

A secret is generated here and returned once, to the manager who asked, and never shown again
(DESIGN.md: `whsec_` and the base64 of random bytes). A rotation keeps the previous secret signing
beside the new one until a manager retires it, so the client switches without missing a delivery.
"""

from django.db import transaction

from core.actors import Actor, require
from core.errors import InvalidInput
from outbox import signing
from outbox.models import Message
from outbox.services import enqueue_webhook
from rma.models import Client
from rma.webhooks import TEST_EVENT, client_owner


def _locked(client: Client) -> Client:
    return Client.objects.select_for_update().get(pk=client.pk)


@transaction.atomic
def generate_webhook_secret(*, client: Client, actor: Actor) -> str:
    """A new signing secret, returned once and never shown again; the one it replaces keeps signing
    beside it until `retire_previous_webhook_secret`.
    """
    require(actor, "rma.change_client", action="generate webhook secrets", on=client)
    client = _locked(client)
    secret = signing.new_secret()
    client.webhook_secret_previous, client.webhook_secret = client.webhook_secret, secret
    client.save(update_fields=["webhook_secret", "webhook_secret_previous", "updated_at"])
    return secret


@transaction.atomic
def retire_previous_webhook_secret(*, client: Client, actor: Actor) -> Client:
    """End a rotation: only the newest secret signs from now on."""
    require(actor, "rma.change_client", action="retire webhook secrets", on=client)
    client = _locked(client)
    if not client.webhook_secret_previous:
        raise InvalidInput(f"{client} has no previous secret to retire.")
    client.webhook_secret_previous = ""
    client.save(update_fields=["webhook_secret_previous", "updated_at"])
    return client


@transaction.atomic
def send_test_webhook(*, client: Client, actor: Actor) -> Message:
    """A `webhook.test` message to the client's URL, so its developers can check they verify ours."""
    require(actor, "rma.change_client", action="send test webhooks", on=client)
    if not client.webhook_url or not client.webhook_secret:
        raise InvalidInput(f"{client} needs a webhook URL and a secret before a test can be sent.")
    message, _ = enqueue_webhook(
        type=TEST_EVENT, url=client.webhook_url, owner=client_owner(client.pk),
        data={"client": client.code, "message": "A test of your webhook endpoint."},
    )
    return message
