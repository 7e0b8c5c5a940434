"""The sweep of export jobs whose worker died (core.leases): a running job whose lease ran out is queued
again, and after MAX_ATTEMPTS starts it fails for good, saying so on the job's page.

Run every minute by Celery beat (settings.CELERY_BEAT_SCHEDULE) or by cron as `manage.py requeue_stuck_exports`.
"""

from django.utils import timezone

from core.leases import Clock, requeue_stuck
from reports.exports import write_export
from reports.models import ExportJob, ExportStatus


def requeue_stuck_exports(*, clock: Clock = timezone.now) -> list[ExportJob]:
    """Queue again (or fail, after MAX_ATTEMPTS) every running job whose lease ran out; returns them."""
    return requeue_stuck(
        ExportJob, running=ExportStatus.RUNNING, queued=ExportStatus.QUEUED, failed=ExportStatus.FAILED,
        start_again=lambda job_id: write_export.delay(job_id=job_id), gave_up=_gave_up, clock=clock,
    )


def _gave_up(job: ExportJob) -> str:
    return f"The worker writing it stopped {job.attempts} times. Request the export again."
