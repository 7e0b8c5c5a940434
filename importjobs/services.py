"""Starting an import job and running it in a worker.

The worker checks the whole file holding no lock, reporting its progress on the job (which renews its
lease, core.leases), then lets the kind apply it in one short transaction (all or nothing); the job
ends done, refused with every problem by row, or failed. Run by the worker, or in-process after
commit when REDIS_URL is unset.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from core.imports import ImportFileRefused, read_sheet
from core.leases import Clock, LeaseLost, claim, renew_lease, still_held
from importjobs.models import ImportJob, ImportStatus
from importjobs.registry import Outcome, kind_of

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


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import_job(*, job_id: int) -> None:
    """The worker's part: safe to run twice, only the worker that claims the queued job runs it."""
    check_and_apply(job_id=job_id)


def check_and_apply(*, job_id: int, clock: Clock = timezone.now) -> ImportJob | None:
    """Claim the queued job, check and apply its file under a lease its progress renews, and record the
    outcome; None when there is nothing to claim (gone, finished, another worker's) or it was taken back.

    A worker that dies leaves the job running with its file kept; once the lease ran out the sweep
    (importjobs.stuck_imports) queues it again and the next worker runs it from the first row, which
    the kinds make safe (importjobs.registry).
    """
    job = claim(ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED), running=ImportStatus.RUNNING,
                now=clock())
    if job is None:
        return None
    try:
        outcome = _run_kind(job, clock)
    except LeaseLost:
        logger.warning("Import job %s was taken back from this worker", job.pk)
        return None
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
    return _finish(job, clock())


def _run_kind(job: ImportJob, clock: Clock) -> Outcome:
    kind = kind_of(job.kind)
    with job.file.open("rb") as file:
        data = file.read()
    sheet = read_sheet(data, file_format=job.file_format, formulas_as_text=kind.formulas_as_text)
    return kind.run(sheet=sheet, actor=job.requested_by, on_progress=lambda done, total: _progress(job, done, clock),
                    **job.options)


def _progress(job: ImportJob, done: int, clock: Clock) -> None:
    """Show the rows checked and hold the job a while longer (the kind reports every thousand rows or so)."""
    job.rows_done = done
    renew_lease(job, running=ImportStatus.RUNNING, now=clock(), rows_done=done)


@transaction.atomic
def _finish(job: ImportJob, now: dt.datetime) -> ImportJob | None:
    if not still_held(job, running=ImportStatus.RUNNING):
        return None  # taken back after its lease ran out: the attempt holding it now ends it, and needs the file
    # The upload names customers: deleted once the outcome is recorded, never before (a rerun reads it).
    storage, upload = job.file.storage, job.file.name
    job.file, job.finished_at, job.leased_until = "", now, None
    job.save(update_fields=["status", "problems", "summary", "error", "rows_done", "file", "finished_at",
                            "leased_until"])
    transaction.on_commit(lambda: storage.delete(upload))
    return job


def redact_jobs(*, containing: Iterable[str], scrub: Callable[[Any], Any]) -> int:
    """Erase a person's data from the jobs whose outcome quotes it (a problem naming a customer's email),
    for rma.services.erasure (in its transaction); returns how many jobs were changed."""
    mentions = Q()
    for value in containing:
        mentions |= Q(problems_text__icontains=value) | Q(summary__icontains=value) | Q(error__icontains=value)
    if not mentions:
        return 0
    jobs = ImportJob.objects.annotate(problems_text=Cast("problems", TextField())).filter(mentions)
    changed = 0
    for job in jobs.select_for_update(of=("self",)).only("pk", "problems", "summary", "error"):
        ImportJob.objects.filter(pk=job.pk).update(
            problems=scrub(job.problems), summary=scrub(job.summary), error=scrub(job.error),
        )
        changed += 1
    return changed


def delete_jobs_finished_before(cutoff) -> int:
    """Forget the jobs that ended before the cutoff (their problems may quote customers); returns how many."""
    deleted, _ = ImportJob.objects.filter(finished_at__lt=cutoff).delete()
    return deleted
