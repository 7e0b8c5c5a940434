"""The live path: a webhook written in a committed transaction is delivered by a real Celery worker
on the real Redis, without the sweep."""

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from outbox import services, signing
from outbox.models import Message, MessageStatus
from rma.webhooks import TEST_EVENT, client_owner
from tests.factories import ClientFactory
from tests.outbox.test_crash import wait_for
from tests.reports.test_export_worker import redis_broker, worker  # noqa: F401 (fixtures)


@pytest.fixture
def webhook_worker(transactional_db, monkeypatch, request):
    monkeypatch.setenv("OUTBOX_ALLOW_PRIVATE_URLS", "true")  # the receiver is on 127.0.0.1
    return request.getfixturevalue("worker")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_delivers_a_webhook_after_commit(receiver, webhook_worker):
    secret = signing.new_secret()
    client = ClientFactory(webhook_url=receiver.url, webhook_secret=secret)

    with transaction.atomic():
        message, _ = services.enqueue_webhook(type=TEST_EVENT, url=receiver.url, owner=client_owner(client.pk),
                                              data={"n": 1})

    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.DELIVERED, seconds=20), (
        webhook_worker.read_text()
    )
    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["data"] == {"n": 1}
