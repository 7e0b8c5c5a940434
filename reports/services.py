"""Reports that leave the building: the monthly client report, emailed through the outbox."""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.actors import require, user_of
from core.errors import InvalidInput
from outbox.models import Message
from outbox.services import Attachment, enqueue_email
from reports import pdf, selectors
from rma.models import Client

User = AbstractBaseUser


MONTHLY_REPORT = "email.monthly_report"


def client_owner(client: Client) -> str:
    """How an outbox message names the client it was sent for."""
    return f"rma.client:{client.pk}"


# -- the monthly client report -------------------------------------------------------------------


def _monthly_email(
    *, client: Client, month: dt.date, created_by: User | None, idempotency_key: str = "",
) -> tuple[Message, bool]:
    report = selectors.monthly_report(client=client, month=month)
    figures = "\n".join(f"{label}: {value}" for label, value in pdf.headline(report))
    body = (
        f"Hello {client.contact_name or client.name},\n\n"
        f"attached is the returns report of {client.name} for {report.month_name}, covering the returns "
        f"requested that month.\n\n{figures}\n\nReturns back office\n"
    )
    return enqueue_email(
        type=MONTHLY_REPORT, owner=client_owner(client), to=client.contact_email,
        subject=f"Returns report for {report.month_name}: {client.name}",
        body=body, created_by=created_by, idempotency_key=idempotency_key,
        attachment=Attachment(pdf.report_filename(report), pdf.monthly_report_pdf(report), "application/pdf"),
    )


@transaction.atomic
def email_monthly_report(*, client: Client, month: dt.date, actor: User | None) -> Message:
    """Email the client's report of `month` to its contact, through the outbox (sent after commit)."""
    actor = require(actor, "reports.view_reports", action="email client reports")
    if not client.contact_email:
        raise InvalidInput(f"{client} has no contact email: add one to the client first.")
    email, _ = _monthly_email(client=client, month=month, created_by=user_of(actor))
    return email


def send_monthly_reports(*, month: dt.date) -> list[tuple[Client, Message | None, bool]]:
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
        email = Message.objects.filter(idempotency_key=key).first()
        created = False
        if email is None:  # only then is the report worth computing; the key still guards a race
            with transaction.atomic():
                email, created = _monthly_email(client=client, month=month, created_by=None, idempotency_key=key)
        outcomes.append((client, email, created))
    return outcomes
