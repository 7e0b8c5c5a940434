"""A sender killed mid-delivery loses nothing: the message's lease runs out and it is delivered then,
with the same webhook-id. A real `manage.py deliver_outbox` process, killed with SIGKILL."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from outbox import delivery, signing
from outbox.models import Message, MessageStatus, Transport
from rma.webhooks import TEST_EVENT, client_owner
from tests.factories import ClientFactory
from tests.outbox.receiver import Answer
from tests.reports.test_export_worker import database_url_of_the_tests

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sender_killed_mid_delivery_is_taken_over_with_the_same_webhook_id(receiver, settings):
    secret = signing.new_secret()
    client = ClientFactory(webhook_url=receiver.url, webhook_secret=secret)
    # Written and committed, as a service's transaction leaves it; nobody has tried it yet.
    message = Message.objects.create(
        transport=Transport.WEBHOOK, type=TEST_EVENT, destination=receiver.url, owner=client_owner(client.pk),
        payload={"type": TEST_EVENT, "timestamp": timezone.now().isoformat(), "data": {"n": 1}},
    )
    receiver.answers = [Answer(200, delay=30), Answer(200)]  # the first attempt hangs until it is killed
    env = {**os.environ, "DATABASE_URL": database_url_of_the_tests(), "OUTBOX_ALLOW_PRIVATE_URLS": "true"}
    sender = subprocess.Popen([sys.executable, "manage.py", "deliver_outbox"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: len(receiver.received) == 1, seconds=20), sender.stderr.read1().decode()
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0) and message.leased_until is not None
    assert delivery.deliver_due() == []  # still leased: nobody else tries it meanwhile
    later = message.leased_until + dt.timedelta(seconds=1)

    [message] = delivery.deliver_due(clock=lambda: later)

    assert (message.status, message.attempts) == (MessageStatus.DELIVERED, 1)
    killed, delivered = receiver.received
    assert killed.headers["webhook-id"] == delivered.headers["webhook-id"] == message.message_id
    Webhook(secret).verify(delivered.body, delivered.headers)
