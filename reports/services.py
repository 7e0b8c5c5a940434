"""Exports too large for one request: queued as a job, written by a worker, offered when done."""

import logging
import secrets
import tempfile
from collections.abc import Iterator

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Model, QuerySet
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.errors import PermissionRefused
from reports import tasks
from reports.models import ExportJob, ExportStatus
from reports.resources import ExportResource
from reports.spreadsheet import Value, write_csv, write_xlsx

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
