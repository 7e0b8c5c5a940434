"""A large export running in the background, the email outbox, and the permissions of exports, imports, reports."""

from django.conf import settings
from django.db import models

from core.leases import LeasedJob


class ExportStatus(models.TextChoices):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # rows being written by the worker holding the lease; see rows_done
    DONE = "done"  # the file is ready to download
    FAILED = "failed"  # see error (also: every worker that tried it died)


class ExportJob(LeasedJob):
    """An export too large for one request: written by a worker, offered when done."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    model_label = models.CharField(max_length=100, help_text="What is exported, e.g. rma.returnrequest.")
    query_string = models.TextField(blank=True, help_text="The list's address as the user had it, to link back to.")
    list_query = models.JSONField(default=dict, help_text="The filters, search and order the rows are read with.")
    file_format = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        permissions = [
            ("export_data", "Export lists to CSV and Excel"),
            ("download_any_export", "See and download exports other people requested"),
            ("import_orders", "Import client orders"),
            ("view_reports", "View the reports page and client reports"),
        ]

    def __str__(self) -> str:
        return f"Export of {self.model_label} ({self.get_status_display()})"
