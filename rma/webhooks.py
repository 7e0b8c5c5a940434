"""The clients' webhooks: where each client's go and with which secrets (read at send time), and a
`return.<state>` message for every change of a return's state, written into the outbox with its event.
A manager sets the URL and the secrets through rma.services.webhooks.
"""

from outbox import registry
from outbox.models import Message
from outbox.services import enqueue_webhook
from rma.models import Client, ReturnEvent, ReturnRequest

TEST_EVENT = "webhook.test"


def client_owner(client_id: int) -> str:
    return f"rma.client:{client_id}"


def client_of(message: Message) -> Client | None:
    app_model, _, pk = message.owner.rpartition(":")
    return Client.objects.filter(pk=pk).first() if app_model == "rma.client" and pk.isdigit() else None


def client_endpoint(message: Message) -> registry.Endpoint | None:
    """The client's webhook URL and active secrets as they are now (a rotation applies to waiting messages)."""
    client = client_of(message)
    if client is None:
        return None
    secrets = tuple(secret for secret in (client.webhook_secret, client.webhook_secret_previous) if secret)
    return registry.Endpoint(url=client.webhook_url, secrets=secrets)


def register_message_types() -> None:
    registry.register("return.", endpoint=client_endpoint)
    registry.register(TEST_EVENT, endpoint=client_endpoint)


def state_change_type(event: ReturnEvent) -> str:
    return f"return.{event.to_state}"


def state_change_data(*, rma: ReturnRequest, event: ReturnEvent) -> dict:
    """What a `return.<state>` message says, by webhook and in the API's events feed alike."""
    return {
        "id": rma.pk, "ran": rma.ran, "order_number": rma.order.number, "state": event.to_state,
        "from_state": event.from_state, "event_id": event.pk, "at": event.at.isoformat(),
    }


def announce_state_change(*, rma: ReturnRequest, event: ReturnEvent) -> Message | None:
    """Write `return.<state>` for the event's change of state, to the client's webhook URL if it has one."""
    client = rma.client
    if not client.webhook_url:
        return None
    data = state_change_data(rma=rma, event=event)
    message, _ = enqueue_webhook(
        type=state_change_type(event), url=client.webhook_url, owner=client_owner(client.pk), data=data,
        idempotency_key=f"return-event:{event.pk}",
    )
    return message
