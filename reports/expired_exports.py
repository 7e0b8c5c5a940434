"""Export files are downloads, not archives: they name customers, so each is deleted
settings.EXPORT_FILES_KEPT_DAYS after it was written, and a customer's erasure reaches them within that.

Run daily by Celery beat (settings.CELERY_BEAT_SCHEDULE) or by cron as `manage.py delete_expired_exports`.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.leases import Clock
from reports.models import ExportJob, ExportStatus


def delete_expired_export_files(*, clock: Clock = timezone.now) -> int:
    """Delete the file of every finished export written longer ago than the setting; returns how many."""
    cutoff = clock() - dt.timedelta(days=settings.EXPORT_FILES_KEPT_DAYS)
    expired = ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff).exclude(file="")
    deleted = 0
    for job in expired.only("pk", "file").iterator():
        with transaction.atomic():
            if ExportJob.objects.filter(pk=job.pk).exclude(file="").update(file=""):
                stored = job.file
                transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
                deleted += 1
    return deleted
