"""Queue again the import jobs whose worker died (their lease ran out): for cron, beside Celery beat."""

from django.core.management.base import BaseCommand

from core.leases import MAX_ATTEMPTS
from core.words import counted
from importjobs.models import ImportStatus
from importjobs.stuck_imports import requeue_stuck_imports


class Command(BaseCommand):
    help = (f"Queue again every running import job whose worker stopped renewing its lease; "
            f"fail it after {MAX_ATTEMPTS} starts.")

    def handle(self, *args, **options) -> None:
        jobs = requeue_stuck_imports()
        failed = sum(job.status == ImportStatus.FAILED for job in jobs)
        self.stdout.write(f"{counted(len(jobs), 'stuck import job')}: {len(jobs) - failed} queued again, "
                          f"{failed} failed for good.")
