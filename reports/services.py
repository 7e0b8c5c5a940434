"""Reports that leave the building: the outbox's emails and the monthly client report."""

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reports import tasks
from reports.models import OutboundEmail
from rma.models import Client

User = AbstractBaseUser


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    mimetype: str


def _enqueue(email_id: int) -> None:
    tasks.send_outbound_email.delay(email_id)


def queue_email(
    *, client: Client, to: str, subject: str, body: str, created_by: User | None,
    attachment: Attachment | None = None, idempotency_key: str = "",
) -> tuple[OutboundEmail, bool]:
    """Write the email into the outbox in the caller's transaction; it is sent once that commits.

    With an `idempotency_key` already in the outbox, nothing new is written: returns (that email, False).
    """
    fields = {
        "client": client, "to": to, "subject": subject, "body": body, "created_by": created_by,
        "next_attempt_at": timezone.now(),
    }
    if attachment:
        fields.update(attachment_name=attachment.name, attachment=attachment.content,
                      attachment_type=attachment.mimetype)
    with transaction.atomic():
        if idempotency_key:
            email, created = OutboundEmail.objects.get_or_create(idempotency_key=idempotency_key, defaults=fields)
        else:
            email, created = OutboundEmail.objects.create(**fields), True
        if created:
            # robust: a broker that is down must not undo the request; the cron sweep sends it later.
            transaction.on_commit(partial(_enqueue, email.pk), robust=True)
    return email, created
