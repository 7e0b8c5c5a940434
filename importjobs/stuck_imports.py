"""The sweep of import jobs whose worker died (core.leases): a running job whose lease ran out is queued
again, its file still kept, and the next worker checks it from the first row; after MAX_ATTEMPTS starts
it fails for good, saying so on the job's page (and the file is deleted).

Run every minute by Celery beat (settings.CELERY_BEAT_SCHEDULE) or by cron as `manage.py requeue_stuck_imports`.
"""

from django.utils import timezone

from core.leases import Clock, requeue_stuck
from importjobs.models import ImportJob, ImportStatus
from importjobs.services import run_import_job


def requeue_stuck_imports(*, clock: Clock = timezone.now) -> list[ImportJob]:
    """Queue again (or fail, after MAX_ATTEMPTS) every running import job whose lease ran out; returns them."""
    jobs = requeue_stuck(
        ImportJob, running=ImportStatus.RUNNING, queued=ImportStatus.QUEUED, failed=ImportStatus.FAILED,
        start_again=lambda job_id: run_import_job.delay(job_id=job_id), gave_up=_gave_up, clock=clock,
    )
    for job in jobs:
        if job.status == ImportStatus.FAILED:
            job.file.delete(save=False)  # the job has ended: its upload names customers
            job.save(update_fields=["file"])
    return jobs


def _gave_up(job: ImportJob) -> str:
    return (f"the worker importing it stopped {job.attempts} times before it finished. Upload the file again: "
            f"rows imported already, if any, are found unchanged and not imported twice.")
