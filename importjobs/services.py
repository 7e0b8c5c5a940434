"""Starting an import job and running it in a worker.

The worker checks the whole file holding no lock, reporting its progress on the job, then lets the
kind apply it in one short transaction (all or nothing); the job ends done, refused with every
problem by row, or failed. Run by the worker, or in-process after commit when REDIS_URL is unset.
"""

import logging
import secrets
from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.imports import ImportFileRefused, read_sheet
from importjobs.models import ImportJob, ImportStatus
from importjobs.registry import kind_of

logger = logging.getLogger(__name__)


def start_import_job(
    *, user: AbstractBaseUser, kind: str, upload: UploadedFile, file_format: str, rows_total: int,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Keep the uploaded file and queue its import; a worker runs it after commit.

    The upload was checked already (core.import_admin.CheckedImportForm); the worker reads it again
    through the same checks. It is stored under a random name, never the one the user gave. `options`
    (JSON) reach the kind's run as keyword arguments.
    """
    kind_of(kind)  # an unknown kind is a programming error, raised here rather than in the worker
    upload.seek(0)
    job = ImportJob(requested_by=user, kind=kind, file_name=(upload.name or "")[:255], file_format=file_format,
                    rows_total=rows_total, options=options or {})
    job.file.save(f"{secrets.token_hex(16)}.{file_format}", ContentFile(upload.read()), save=False)
    job.save()
    transaction.on_commit(lambda: run_import_job.delay(job_id=job.pk))
    return job


@shared_task(ignore_result=True)
def run_import_job(*, job_id: int) -> None:
    """The worker's part: check and apply the job's file, or record why nothing was applied."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING)
    if not claimed:
        return  # gone, or a redelivery of a job already taken
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    kind = kind_of(job.kind)
    try:
        with job.file.open("rb") as file:
            data = file.read()
        sheet = read_sheet(data, file_format=job.file_format, formulas_as_text=kind.formulas_as_text)
        outcome = kind.run(sheet=sheet, actor=job.requested_by, on_progress=lambda done, total: _progress(job, done),
                           **job.options)
    except ImportFileRefused as refused:
        job.status, job.problems = ImportStatus.REFUSED, [{"row": None, "column": "", "message": refused.message}]
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        job.status, job.error = ImportStatus.FAILED, getattr(error, "message", "") or type(error).__name__
    else:
        job.problems = [{"row": problem.row, "column": problem.column, "message": problem.message}
                        for problem in outcome.problems]
        job.status = ImportStatus.REFUSED if outcome.problems else ImportStatus.DONE
        job.summary = outcome.summary
    job.finished_at = timezone.now()
    job.file.delete(save=False)
    job.save(update_fields=["status", "problems", "summary", "error", "rows_done", "file", "finished_at"])


def _progress(job: ImportJob, done: int) -> None:
    job.rows_done = done
    ImportJob.objects.filter(pk=job.pk).update(rows_done=done)
