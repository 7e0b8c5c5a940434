"""The periodic sweep (Celery beat's deliver_due_messages) takes over a message whose sender died: a
pending row whose lease ran out is delivered, one whose lease still runs is left to its sender."""

import datetime as dt

import pytest
from django.utils import timezone

from outbox import signing
from outbox.models import Message, MessageStatus, Transport
from outbox.tasks import deliver_due_messages
from rma.webhooks import TEST_EVENT, client_owner
from tests.factories import ClientFactory


def leased_webhook(receiver, *, lease_ends: dt.datetime) -> Message:
    client = ClientFactory(webhook_url=receiver.url, webhook_secret=signing.new_secret())
    return Message.objects.create(
        transport=Transport.WEBHOOK, type=TEST_EVENT, destination=receiver.url, owner=client_owner(client.pk),
        payload={"type": TEST_EVENT, "timestamp": timezone.now().isoformat(), "data": {"n": 1}},
        next_attempt_at=timezone.now() - dt.timedelta(minutes=5), leased_until=lease_ends,
    )


@pytest.mark.django_db
def test_the_sweep_delivers_a_pending_message_whose_lease_ran_out(receiver):
    message = leased_webhook(receiver, lease_ends=timezone.now() - dt.timedelta(seconds=1))

    deliver_due_messages.delay()
    message.refresh_from_db()

    assert (message.status, message.attempts, message.leased_until) == (MessageStatus.DELIVERED, 1, None)
    [request] = receiver.received
    assert request.headers["webhook-id"] == message.message_id


@pytest.mark.django_db
def test_the_sweep_leaves_a_message_whose_sender_still_holds_the_lease(receiver):
    message = leased_webhook(receiver, lease_ends=timezone.now() + dt.timedelta(minutes=1))

    deliver_due_messages.delay()
    message.refresh_from_db()

    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert receiver.received == []
