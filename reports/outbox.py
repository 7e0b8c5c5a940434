"""Sending what the outbox holds: one attempt at a time, each failure kept on the row and retried later."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from reports.models import EmailStatus, OutboundEmail

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
LONGEST_ERROR = 2000


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure: 1 minute, then 2, 4, 8, ... (about 2 hours in all)."""
    return dt.timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempts - 1))


def message_of(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
    if email.attachment_name:
        message.attach(email.attachment_name, bytes(email.attachment), email.attachment_type)
    return message


@transaction.atomic
def send_email(*, email_id: int) -> OutboundEmail:
    """Try a pending email that is due; a sent or failed one, or one not due yet, is returned as it is."""
    # Lock the row: Celery's retry and the cron sweep may reach the same email at once, and only one may send.
    email = OutboundEmail.objects.select_for_update().get(pk=email_id)
    now = timezone.now()
    if email.status != EmailStatus.PENDING or email.next_attempt_at > now:
        return email
    email.attempts += 1
    try:
        message_of(email).send()
    except Exception as error:  # whatever the backend raises (SMTP, DNS, TLS, timeout): keep the email
        email.last_error = f"{type(error).__name__}: {error}"[:LONGEST_ERROR]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = EmailStatus.FAILED
        else:
            email.next_attempt_at = now + retry_delay(email.attempts)
    else:
        email.status, email.sent_at = EmailStatus.SENT, now
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
    return email


def due_email_ids(*, now: dt.datetime | None = None) -> list[int]:
    """Pending emails whose next attempt is due, oldest first."""
    due = OutboundEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now or timezone.now())
    return list(due.order_by("next_attempt_at", "id").values_list("id", flat=True))


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1, acks_late=True)
def send_outbound_email(self, email_id: int) -> str:
    """Try the email; while it stays pending, Celery tries again when it is next due (backing off)."""
    email = send_email(email_id=email_id)
    # In-process (no broker) a retry would run at once, without the wait: there the cron sweep
    # (manage.py send_outbound_emails) tries it again when it is due.
    if email.status == EmailStatus.PENDING and not self.request.is_eager:
        raise self.retry(eta=email.next_attempt_at)
    return email.status
