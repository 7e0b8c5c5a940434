"""The outbox: an email is written with the request, sent after commit, and kept and retried when sending fails."""

import datetime as dt
import io

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from reports import outbox, services
from reports.models import EmailStatus, OutboundEmail
from reports.tasks import send_outbound_email
from tests.factories import ClientFactory

REFUSING = "tests.reports.email_backends.RefusingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def client_(db):
    return ClientFactory(contact_email="returns@alpha.example")


def queue(client, **fields) -> OutboundEmail:
    email, _ = services.queue_email(
        client=client, to=client.contact_email, subject="Your report", body="Attached.", created_by=None,
        attachment=services.Attachment("report.pdf", b"%PDF-1.4 test", "application/pdf"), **fields,
    )
    return email


def fresh(email: OutboundEmail) -> OutboundEmail:
    return OutboundEmail.objects.get(pk=email.pk)


def test_tests_use_the_in_memory_mail_backend(settings):
    assert settings.EMAIL_BACKEND == LOCMEM


def test_an_email_is_sent_only_after_its_transaction_commits(client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        email = queue(client_)

    assert fresh(email).status == EmailStatus.PENDING and mail.outbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    email = fresh(email)
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1) and email.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["returns@alpha.example"] and message.subject == "Your report"
    assert message.attachments == [("report.pdf", b"%PDF-1.4 test", "application/pdf")]


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(client_, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue(client_)
        raise RuntimeError("the request failed after queueing")

    assert callbacks == [] and OutboundEmail.objects.count() == 0 and mail.outbox == []


def test_a_failed_send_keeps_the_email_pending_with_its_error(client_, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = REFUSING

    with time_machine.travel(dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue(client_)

        email = fresh(email)
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert email.next_attempt_at == dt.datetime(2026, 4, 1, 6, 1, tzinfo=dt.UTC)  # a minute later
    assert email.attachment_name == "report.pdf" and bytes(email.attachment) == b"%PDF-1.4 test"
    assert mail.outbox == []


def test_retries_wait_twice_as_long_each_time_and_give_up_after_the_last_attempt(client_, settings):
    settings.EMAIL_BACKEND = REFUSING
    email, now, waits = queue(client_), timezone.now(), []

    for _ in range(outbox.MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            email = outbox.send_email(email_id=email.pk)
        waits.append(email.next_attempt_at - now)
        now = email.next_attempt_at

    assert [wait.total_seconds() / 60 for wait in waits[:-1]] == [1, 2, 4, 8, 16, 32, 64]
    assert (email.status, email.attempts) == (EmailStatus.FAILED, outbox.MAX_ATTEMPTS)
    assert email.last_error.startswith("SMTPServerDisconnected")
    assert outbox.send_email(email_id=email.pk).attempts == outbox.MAX_ATTEMPTS  # a failed email is left alone


def test_an_email_is_not_tried_before_it_is_due(client_, settings):
    settings.EMAIL_BACKEND = REFUSING
    email = outbox.send_email(email_id=queue(client_).pk)
    settings.EMAIL_BACKEND = LOCMEM

    assert outbox.send_email(email_id=email.pk).attempts == 1 and mail.outbox == []

    with time_machine.travel(email.next_attempt_at, tick=False):
        email = outbox.send_email(email_id=email.pk)

    assert (email.status, email.attempts, len(mail.outbox)) == (EmailStatus.SENT, 2, 1)
    assert email.last_error.startswith("SMTPServerDisconnected")  # what happened before is kept


def test_a_sent_email_is_never_sent_again(client_):
    email = queue(client_)

    outbox.send_email(email_id=email.pk)
    outbox.send_email(email_id=email.pk)
    send_outbound_email(email.pk)

    assert len(mail.outbox) == 1 and fresh(email).attempts == 1


def test_the_task_asks_celery_to_retry_while_the_email_is_pending(client_, settings):
    settings.EMAIL_BACKEND = REFUSING
    email = queue(client_)

    with pytest.raises(Retry):
        send_outbound_email(email.pk)

    assert fresh(email).attempts == 1


def test_the_idempotency_key_writes_an_email_once(client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = queue(client_, idempotency_key="monthly-report:alpha:2026-03")
        again, created = services.queue_email(
            client=client_, to="x@example.com", subject="Other", body="", created_by=None,
            idempotency_key="monthly-report:alpha:2026-03",
        )

    assert again == first and not created
    assert len(callbacks) == 1 and len(mail.outbox) == 1


def test_the_sweep_sends_the_due_emails_and_leaves_the_others(client_, settings):
    settings.EMAIL_BACKEND = REFUSING
    waiting = outbox.send_email(email_id=queue(client_).pk)  # next due in a minute
    settings.EMAIL_BACKEND = LOCMEM
    due = queue(client_)
    out = io.StringIO()

    call_command("send_outbound_emails", stdout=out)

    assert fresh(due).status == EmailStatus.SENT and fresh(waiting).status == EmailStatus.PENDING
    assert out.getvalue().strip() == "1 email due: 1 sent, 0 still failing."
