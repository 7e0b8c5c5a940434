"""Webhooks through the outbox, to a real receiver on 127.0.0.1: signed as Standard Webhooks, retried
with the same webhook-id, leased while they are tried, and refused where they must not go.
"""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from outbox import delivery, registry, senders, services, signing
from outbox.models import MessageStatus
from outbox.registry import Endpoint, MessageType
from tests.outbox.receiver import Answer

pytestmark = pytest.mark.django_db

SECRET = signing.new_secret()
OLD_SECRET = signing.new_secret()


@pytest.fixture
def outcomes(monkeypatch):
    """Messages of type test.* go to their destination signed with SECRET; their handler notes each outcome."""
    seen = []
    monkeypatch.setitem(registry._TYPES, "test.", MessageType(
        prefix="test.",
        endpoint=lambda message: Endpoint(url=message.destination, secrets=(SECRET,)),
        on_delivered=lambda message, reply: seen.append(("delivered", message.message_id, reply.body)),
        on_failed=lambda message: seen.append(("failed", message.message_id, message.last_error)),
    ))
    return seen


def webhook(url: str, type: str = "test.happened", **data):
    message, _ = services.enqueue_webhook(type=type, url=url, owner="tests:1", data={"n": 1, **data})
    return message


def test_a_delivery_is_signed_so_the_standard_webhooks_library_verifies_it(receiver, outcomes):
    receiver.answers = [Answer(200, {"reference": "PSP-42"})]
    message = delivery.deliver(message_pk=webhook(receiver.url).pk)

    [request] = receiver.received
    payload = Webhook(SECRET).verify(request.body, request.headers)
    assert payload["type"] == "test.happened" and payload["data"] == {"n": 1}
    assert request.headers["webhook-id"] == message.message_id
    assert (message.status, message.attempts, message.reply) == (MessageStatus.DELIVERED, 1, {"reference": "PSP-42"})
    assert outcomes == [("delivered", message.message_id, {"reference": "PSP-42"})]


def test_during_a_rotation_both_secrets_sign(receiver, monkeypatch):
    monkeypatch.setitem(registry._TYPES, "test.", MessageType(
        prefix="test.", endpoint=lambda message: Endpoint(url=message.destination, secrets=(SECRET, OLD_SECRET)),
    ))
    delivery.deliver(message_pk=webhook(receiver.url).pk)

    [request] = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (SECRET, OLD_SECRET):
        Webhook(secret).verify(request.body, request.headers)


def test_a_failed_attempt_is_retried_later_with_the_same_webhook_id(receiver, outcomes):
    receiver.answers = [Answer(500, {"error": "busy"}), Answer(200)]
    with time_machine.travel(dt.datetime(2030, 1, 2, 9, tzinfo=dt.UTC), tick=False):
        message = delivery.deliver(message_pk=webhook(receiver.url).pk)
    assert (message.status, message.last_status_code) == (MessageStatus.PENDING, 500)
    assert message.next_attempt_at == dt.datetime(2030, 1, 2, 9, 1, tzinfo=dt.UTC)

    with time_machine.travel(dt.datetime(2030, 1, 2, 9, 0, 59, tzinfo=dt.UTC), tick=False):
        assert delivery.deliver(message_pk=message.pk).attempts == 1  # not due yet: left alone
    with time_machine.travel(message.next_attempt_at, tick=False):
        message = delivery.deliver(message_pk=message.pk)

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message.message_id
    assert json.loads(first.body) == json.loads(second.body)
    assert (message.status, message.attempts) == (MessageStatus.DELIVERED, 2)
    assert list(message.delivery_attempts.values_list("status_code", "delivered")) == [(500, False), (200, True)]


@pytest.mark.parametrize("answer, error", [
    (Answer(200, delay=1.5), "ReadTimeout"),
    (Answer(drop=True), "ConnectionError"),
], ids=["slow", "dropped"])
def test_a_slow_or_vanishing_receiver_leaves_the_message_to_try_again(receiver, outcomes, monkeypatch, answer, error):
    monkeypatch.setattr(senders, "TIMEOUTS", (1, 0.5))
    receiver.answers = [answer]

    message = delivery.deliver(message_pk=webhook(receiver.url).pk)

    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error.startswith(error) and outcomes == []


def test_after_the_last_attempt_the_message_fails_and_its_writer_hears_of_it(receiver, outcomes):
    receiver.answers = [Answer(503)]
    message, now = webhook(receiver.url), timezone.now()

    for _ in range(delivery.MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            message = delivery.deliver(message_pk=message.pk)
        now = message.next_attempt_at

    assert (message.status, message.attempts) == (MessageStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert outcomes == [("failed", message.message_id, message.last_error)]
    assert len(receiver.received) == delivery.MAX_ATTEMPTS


def test_a_message_another_sender_holds_is_not_tried_twice(receiver, outcomes):
    message = webhook(receiver.url)
    leased = delivery._lease(message.pk, timezone.now())

    assert delivery.deliver(message_pk=message.pk).attempts == 0 and receiver.received == []
    with time_machine.travel(leased.leased_until + dt.timedelta(seconds=1), tick=False):  # the sender died
        assert delivery.deliver(message_pk=message.pk).status == MessageStatus.DELIVERED


def test_a_person_retries_a_failed_message_and_it_keeps_its_webhook_id(receiver, outcomes, staff):
    receiver.answers = [Answer(410), Answer(200)]
    message = webhook(receiver.url)
    message.attempts = delivery.MAX_ATTEMPTS - 1
    message.save(update_fields=["attempts"])
    message = delivery.deliver(message_pk=message.pk)
    assert message.status == MessageStatus.FAILED

    services.retry_message(message=message, actor=staff.manager)
    message = delivery.deliver(message_pk=message.pk)

    assert message.status == MessageStatus.DELIVERED
    assert {request.headers["webhook-id"] for request in receiver.received} == {message.message_id}


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:6379/",  # Redis, over plain http
    "https://127.0.0.1:6379/",
    "https://10.0.0.5/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hooks",
    "https://user:pw@example.com/hooks",
], ids=["http", "loopback", "private", "link-local", "ipv6-loopback", "credentials"])
def test_webhooks_never_go_to_private_addresses(settings, outcomes, url):
    settings.OUTBOX_ALLOW_PRIVATE_URLS = False

    message = delivery.deliver(message_pk=webhook(url).pk)

    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert outcomes == [("failed", message.message_id, message.last_error)]
    assert "https" in message.last_error or "address" in message.last_error or "host" in message.last_error


def test_a_receiver_without_a_secret_is_not_sent_an_unsigned_webhook(receiver, monkeypatch):
    monkeypatch.setitem(registry._TYPES, "test.", MessageType(
        prefix="test.", endpoint=lambda message: Endpoint(url=message.destination, secrets=()),
    ))

    message = delivery.deliver(message_pk=webhook(receiver.url).pk)

    assert message.status == MessageStatus.FAILED and receiver.received == []
    assert message.last_error == "The receiver has no signing secret: generate one."


def test_only_staff_allowed_to_may_retry(staff, receiver):
    from core.errors import PermissionRefused

    message = webhook(receiver.url)
    with pytest.raises(PermissionRefused):
        services.retry_message(message=message, actor=staff.dock)


def test_finance_sees_each_attempt_on_a_messages_page(client, staff, receiver, outcomes):
    receiver.answers = [Answer(503)]
    message = delivery.deliver(message_pk=webhook(receiver.url).pk)
    client.force_login(staff.finance)

    page = client.get(reverse("admin:outbox_message_change", args=[message.pk])).content.decode()

    assert "HTTP 503" in page and 'id="delivery_attempts-group"' in page
