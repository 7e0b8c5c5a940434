"""A client's webhook settings, by a manager: the signing secrets and a test event (the URL is checked
by outbox.destinations where it is entered, and again at each send).

A secret is generated here and returned once, to the manager who asked, and never shown again
(DESIGN.md: `whsec_` and the base64 of random bytes). A rotation keeps the previous secret signing
beside the new one until a manager retires it, so the client switches without missing a delivery.
The screen names the secret it means to replace by its fingerprint, so a reloaded or resent page
cannot rotate twice (pushing out the secret the client still uses) or show a secret again.
"""

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from core.actors import Actor, require
from core.errors import InvalidInput, TransitionRefused
from outbox import signing
from outbox.models import Message
from outbox.services import enqueue_webhook
from rma.models import Client
from rma.webhooks import TEST_EVENT, client_owner


def _locked(client: Client) -> Client:
    return Client.objects.select_for_update().get(pk=client.pk)


def secret_fingerprint(secret: str) -> str:
    """Names a secret without revealing it (keyed with SECRET_KEY): what a screen may carry."""
    return salted_hmac("rma.webhook-secret-fingerprint", secret, algorithm="sha256").hexdigest()[:32]


@transaction.atomic
def generate_webhook_secret(*, client: Client, actor: Actor, replacing: str | None = None) -> str:
    """A new signing secret, returned once and never shown again; the one it replaces keeps signing
    beside it until `retire_previous_webhook_secret`. With `replacing` (a `secret_fingerprint`), only
    if the client's newest secret is still that one.
    """
    require(actor, "rma.change_client", action="generate webhook secrets", on=client)
    client = _locked(client)
    if replacing is not None and not constant_time_compare(replacing, secret_fingerprint(client.webhook_secret)):
        raise TransitionRefused(
            f"{client}'s secret was already replaced (a page sent twice?): the new one was shown once. "
            "If it was not copied, generate another."
        )
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
