"""A large export running in the background, the email outbox, and the permissions of exports, imports, reports."""

from django.conf import settings
from django.db import models


class ExportStatus(models.TextChoices):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # rows being written; see rows_done
    DONE = "done"  # the file is ready to download
    FAILED = "failed"  # see error


class ExportJob(models.Model):
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


class EmailStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt, or for the next one after a failure
    SENT = "sent"  # the mail server took it
    FAILED = "failed"  # every attempt failed; last_error says why


class OutboundEmail(models.Model):
    """The outbox: an email written in the transaction that asks for it, sent once that transaction commits.

    A failure outside (the mail server down or refusing) never loses it: it stays pending with its error and
    is tried again later, each wait twice the one before, until its last attempt fails and it is `failed`.
    """

    client = models.ForeignKey("rma.Client", on_delete=models.PROTECT, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    # Kept with the row, in the same transaction: what is sent is what was asked for, however late.
    attachment = models.BinaryField(blank=True, default=bytes)
    idempotency_key = models.CharField(
        max_length=100, blank=True, help_text="Set where the same email must never go twice, e.g. a month's report."
    )
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(help_text="When a pending email is due to be tried.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty: a scheduled job.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""),
                name="outbound_email_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.get_status_display()})"
