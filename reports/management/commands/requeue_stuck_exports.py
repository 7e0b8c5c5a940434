"""Queue again the export jobs whose worker died (their lease ran out): for cron, beside Celery beat."""

from django.core.management.base import BaseCommand

from core.leases import MAX_ATTEMPTS
from core.words import counted
from reports.models import ExportStatus
from reports.stuck_exports import requeue_stuck_exports


class Command(BaseCommand):
    help = (f"Queue again every running export job whose worker stopped renewing its lease; "
            f"fail it after {MAX_ATTEMPTS} starts.")

    def handle(self, *args, **options) -> None:
        jobs = requeue_stuck_exports()
        failed = sum(job.status == ExportStatus.FAILED for job in jobs)
        self.stdout.write(f"{counted(len(jobs), 'stuck export job')}: {len(jobs) - failed} queued again, "
                          f"{failed} failed for good.")
