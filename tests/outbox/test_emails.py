"""The outbox's emails: written with the request, sent after commit, kept and retried when sending fails."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from outbox import delivery, services
from outbox.models import Message, MessageStatus
from outbox.tasks import deliver_message

REFUSING = "tests.outbox.email_backends.RefusingBackend"

pytestmark = pytest.mark.django_db
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def queue(**fields) -> Message:
    email, _ = services.enqueue_email(
        type="email.test", to="returns@alpha.example", subject="Your report", body="Attached.",
        attachment=services.Attachment("report.pdf", b"%PDF-1.4 test", "application/pdf"), **fields,
    )
    return email


def fresh(email: Message) -> Message:
    return Message.objects.get(pk=email.pk)


def send(email: Message) -> Message:
    return delivery.deliver(message_pk=email.pk)


def test_tests_use_the_in_memory_mail_backend(settings):
    assert settings.EMAIL_BACKEND == LOCMEM


def test_an_email_is_sent_only_after_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        email = queue()

    assert fresh(email).status == MessageStatus.PENDING and mail.outbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    email = fresh(email)
    assert (email.status, email.attempts) == (MessageStatus.DELIVERED, 1) and email.delivered_at is not None
    [message] = mail.outbox
    assert message.to == ["returns@alpha.example"] and message.subject == "Your report"
    assert message.attachments == [("report.pdf", b"%PDF-1.4 test", "application/pdf")]


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the request failed after queueing")

    assert callbacks == [] and Message.objects.count() == 0 and mail.outbox == []


def test_a_failed_send_keeps_the_email_pending_with_its_error(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = REFUSING

    with time_machine.travel(dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue()

        email = fresh(email)
    assert (email.status, email.attempts) == (MessageStatus.PENDING, 1)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert email.next_attempt_at == dt.datetime(2026, 4, 1, 6, 1, tzinfo=dt.UTC)  # a minute later
    assert email.attachment_name == "report.pdf" and bytes(email.attachment) == b"%PDF-1.4 test"
    assert mail.outbox == []


def test_retries_wait_twice_as_long_each_time_and_give_up_after_the_last_attempt(settings):
    settings.EMAIL_BACKEND = REFUSING
    email, now, waits = queue(), timezone.now(), []

    for _ in range(delivery.MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            email = send(email)
        waits.append(email.next_attempt_at - now)
        now = email.next_attempt_at

    assert [wait.total_seconds() / 60 for wait in waits[:-1]] == [1, 2, 4, 8, 16, 32, 64]
    assert (email.status, email.attempts) == (MessageStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert email.last_error.startswith("SMTPServerDisconnected")
    assert send(email).attempts == delivery.MAX_ATTEMPTS  # a failed email is left alone


def test_an_email_is_not_tried_before_it_is_due(settings):
    settings.EMAIL_BACKEND = REFUSING
    email = send(queue())
    settings.EMAIL_BACKEND = LOCMEM

    assert send(email).attempts == 1 and mail.outbox == []

    with time_machine.travel(email.next_attempt_at, tick=False):
        email = send(email)

    assert (email.status, email.attempts, len(mail.outbox)) == (MessageStatus.DELIVERED, 2, 1)
    assert email.last_error == ""  # the last attempt succeeded; what happened before is kept with its attempt
    assert email.delivery_attempts.get(number=1).error.startswith("SMTPServerDisconnected")


def test_a_sent_email_is_never_sent_again():
    email = queue()

    send(email)
    send(email)
    deliver_message(email.pk)

    assert len(mail.outbox) == 1 and fresh(email).attempts == 1
    assert [attempt.number for attempt in email.delivery_attempts.all()] == [1]


def test_every_attempt_is_kept_with_its_error(settings):
    settings.EMAIL_BACKEND = REFUSING
    email = send(queue())
    settings.EMAIL_BACKEND = LOCMEM
    with time_machine.travel(email.next_attempt_at, tick=False):
        send(email)

    attempts = list(email.delivery_attempts.values_list("number", "delivered", "error"))
    assert attempts == [(1, False, "SMTPServerDisconnected: Connection unexpectedly closed"), (2, True, "")]


def test_the_idempotency_key_writes_an_email_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = queue(idempotency_key="monthly-report:alpha:2026-03")
        again, created = services.enqueue_email(
            type="email.test", to="x@example.com", subject="Other", body="",
            idempotency_key="monthly-report:alpha:2026-03",
        )

    assert again == first and not created
    assert len(callbacks) == 1 and len(mail.outbox) == 1


def test_the_sweep_sends_the_due_emails_and_leaves_the_others(settings):
    settings.EMAIL_BACKEND = REFUSING
    waiting = send(queue())  # next due in a minute
    settings.EMAIL_BACKEND = LOCMEM
    due = queue()
    out = io.StringIO()

    call_command("deliver_outbox", stdout=out)

    assert fresh(due).status == MessageStatus.DELIVERED and fresh(waiting).status == MessageStatus.PENDING
    assert out.getvalue().strip() == "1 message due: 1 delivered, 0 failed for good, 0 to try again later."


def test_an_email_may_carry_an_html_part_a_senders_name_and_a_reply_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_email(
            type="email.test", to="anna@example.com", subject="Hello", body="Plain words.",
            html="<p>Plain words.</p>", sender_name="Hafenwerk, Hamburg", reply_to="help@hafenwerk.example",
        )

    [message] = mail.outbox
    assert message.body == "Plain words." and message.alternatives == [("<p>Plain words.</p>", "text/html")]
    assert message.from_email == '"Hafenwerk, Hamburg" <returns@localhost>'
    assert message.reply_to == ["help@hafenwerk.example"]


def test_an_email_without_html_is_plain_text_from_the_default_sender(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue()

    [message] = mail.outbox
    assert message.alternatives == [] and message.from_email == "returns@localhost" and message.reply_to == []
