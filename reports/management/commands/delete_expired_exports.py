"""Delete the export files older than EXPORT_FILES_KEPT_DAYS: for cron, beside Celery beat."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.words import counted
from reports.expired_exports import delete_expired_export_files


class Command(BaseCommand):
    help = f"Delete every export file written more than EXPORT_FILES_KEPT_DAYS ({settings.EXPORT_FILES_KEPT_DAYS}) ago."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{counted(delete_expired_export_files(), 'expired export file')} deleted.")
