"""Reports that leave the building: the outbox's emails and the monthly client report; and exports
too large for one request, queued as a job, written by a worker, offered when done.
"""

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Model, QuerySet
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.actors import require
from core.errors import InvalidInput, PermissionRefused
from reports import pdf, selectors, tasks
from reports.models import ExportJob, ExportStatus, OutboundEmail
from reports.resources import ExportResource
from reports.spreadsheet import Value, write_csv, write_xlsx
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


logger = logging.getLogger(__name__)

# How often a running job reports its progress, in rows.
PROGRESS_EVERY = 1000


def start_export_job(
    *, user: AbstractBaseUser, model: type[Model], query_string: str, file_format: str, rows_total: int
) -> ExportJob:
    """Queue the export of a changelist as the user filtered it; a worker writes it after commit."""
    job = ExportJob.objects.create(
        requested_by=user, model_label=model._meta.label_lower, query_string=query_string,
        file_format=file_format, rows_total=rows_total,
    )
    transaction.on_commit(lambda: tasks.write_export.delay(job.pk))
    return job


def changelist_export(job: ExportJob) -> tuple[ExportResource, QuerySet]:
    """The rows the requester's changelist showed, rebuilt by the model's admin from the saved query string.

    The requester's permissions are checked again: they may have lost the right since they asked.
    """
    model = apps.get_model(job.model_label)
    model_admin = admin.site.get_model_admin(model)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    request = RequestFactory().get(f"{changelist}?{job.query_string}")
    request.user = job.requested_by
    if not model_admin.has_export_permission(request):
        raise PermissionRefused(f"{job.requested_by} may no longer export {opts.verbose_name_plural}.")
    resource = model_admin.get_export_resource_classes(request)[0]()
    return resource, model_admin.get_export_queryset(request)


def write_export(*, job_id: int) -> None:
    """The worker's part: write the job's file to default storage, reporting progress, or record why it failed."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return  # gone, or a redelivery of a job already finished
    try:
        resource, queryset = changelist_export(job)
        job.status, job.rows_total, job.rows_done = ExportStatus.RUNNING, queryset.count(), 0
        job.save(update_fields=["status", "rows_total", "rows_done"])
        headers, rows = resource.get_export_headers(), _reporting_progress(job, resource.rows(queryset))
        with tempfile.TemporaryFile() as file:
            if job.file_format == "xlsx":
                write_xlsx(headers, rows, file, title=resource.sheet_title())
            else:
                write_csv(headers, rows, file)
            file.seek(0)
            # The name carries a random token: the media folder may be served by a web server in front.
            name = resource.filename(job.file_format, token=secrets.token_hex(8))
            job.file.save(name, File(file), save=False)
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        job.status, job.error = ExportStatus.FAILED, getattr(error, "message", str(error)) or type(error).__name__
    else:
        job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_done", "file", "error", "finished_at"])


def _reporting_progress(job: ExportJob, rows: Iterator[list[Value]]) -> Iterator[list[Value]]:
    """Pass the rows on, counting them in job.rows_done and saving the count every PROGRESS_EVERY rows."""
    for row in rows:
        yield row
        job.rows_done += 1
        if job.rows_done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)
