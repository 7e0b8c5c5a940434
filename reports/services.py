"""Reports that leave the building: the outbox's emails and the monthly client report."""

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.actors import require
from core.errors import InvalidInput
from reports import outbox, pdf, selectors
from reports.models import OutboundEmail
from rma.models import Client

User = AbstractBaseUser


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    mimetype: str


def _enqueue(email_id: int) -> None:
    outbox.send_outbound_email.delay(email_id)


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


# -- the monthly client report -------------------------------------------------------------------


def _monthly_email(
    *, client: Client, month: dt.date, created_by: User | None, idempotency_key: str = "",
) -> tuple[OutboundEmail, bool]:
    report = selectors.monthly_report(client=client, month=month)
    figures = "\n".join(f"{label}: {value}" for label, value in pdf.headline(report))
    body = (
        f"Hello {client.contact_name or client.name},\n\n"
        f"attached is the returns report of {client.name} for {report.month_name}, covering the returns "
        f"requested that month.\n\n{figures}\n\nReturns back office\n"
    )
    return queue_email(
        client=client, to=client.contact_email, subject=f"Returns report for {report.month_name}: {client.name}",
        body=body, created_by=created_by, idempotency_key=idempotency_key,
        attachment=Attachment(pdf.report_filename(report), pdf.monthly_report_pdf(report), "application/pdf"),
    )


@transaction.atomic
def email_monthly_report(*, client: Client, month: dt.date, actor: User | None) -> OutboundEmail:
    """Email the client's report of `month` to its contact, through the outbox (sent after commit)."""
    require(actor, "reports.view_reports", action="email client reports")
    if not client.contact_email:
        raise InvalidInput(f"{client} has no contact email: add one to the client first.")
    email, _ = _monthly_email(client=client, month=month, created_by=actor)
    return email


def send_monthly_reports(*, month: dt.date) -> list[tuple[Client, OutboundEmail | None, bool]]:
    """The scheduled job: every active client with a contact email gets the month's report, once.

    Returns (client, its email or None where it has no contact email, whether the email is new).
    Running it again for the same month writes nothing new.
    """
    outcomes = []
    for client in Client.objects.filter(is_active=True).order_by("name"):
        if not client.contact_email:
            outcomes.append((client, None, False))
            continue
        key = f"monthly-report:{client.pk}:{month:%Y-%m}"
        email = OutboundEmail.objects.filter(idempotency_key=key).first()
        created = False
        if email is None:  # only then is the report worth computing; the key still guards a race
            with transaction.atomic():
                email, created = _monthly_email(client=client, month=month, created_by=None, idempotency_key=key)
        outcomes.append((client, email, created))
    return outcomes
