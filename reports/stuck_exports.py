"""The sweep of export jobs whose worker died: a running job whose lease ran out is queued again, and
after MAX_ATTEMPTS starts it fails for good, saying so on the job's page.

Run every minute by Celery beat (settings.CELERY_BEAT_SCHEDULE) or by cron as `manage.py requeue_stuck_exports`.
"""

from django.db import transaction
from django.utils import timezone

from reports.exports import MAX_ATTEMPTS, Clock, write_export
from reports.models import ExportJob, ExportStatus


def requeue_stuck_exports(*, clock: Clock = timezone.now) -> list[ExportJob]:
    """Queue again (or fail, after MAX_ATTEMPTS) every running job whose lease ran out; returns them."""
    now = clock()
    stuck = ExportJob.objects.filter(status=ExportStatus.RUNNING, leased_until__lte=now).order_by("pk")
    return [job for pk in stuck.values_list("pk", flat=True) if (job := _take_back(pk, now)) is not None]


@transaction.atomic
def _take_back(job_id: int, now) -> ExportJob | None:
    # Locked, and the lease read again: the worker may have renewed it since the list was read.
    job = ExportJob.objects.select_for_update(skip_locked=True).filter(
        pk=job_id, status=ExportStatus.RUNNING, leased_until__lte=now,
    ).first()
    if job is None:
        return None
    if job.attempts >= MAX_ATTEMPTS:
        job.status, job.finished_at = ExportStatus.FAILED, now
        job.error = f"The worker writing it stopped {job.attempts} times. Request the export again."
    else:
        job.status, job.rows_done = ExportStatus.QUEUED, 0
        transaction.on_commit(lambda: write_export.delay(job_id=job_id))
    job.leased_until = None
    job.save(update_fields=["status", "rows_done", "error", "finished_at", "leased_until"])
    return job
