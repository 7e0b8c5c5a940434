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


class ReportDay(models.Model):
    """One client's day (facility time) of requested returns, whose additive figures are kept in
    DailyReturnFigure as those returns stood at `computed_at` (reports.rollup). A day marked in
    rma.ReportDayToRefresh since then is stale, and the report computes it live instead."""

    client = models.ForeignKey("rma.Client", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "client"], name="report_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} of client #{self.client_id}"


class FigureKind(models.TextChoices):
    CLIENT = "client"  # returns and units that still claim their units
    SKU = "sku"  # per SKU (key), with its description: returns, units
    REASON = "reason"  # per reason (key): units
    DEFECT = "defect"  # per defect category (key) and week inspected: units
    DISPOSITION = "disposition"  # per action (key) and currency: units, amount (expected recovery value)
    REFUND = "refund"  # per method (key) and currency, issued refunds: returns (their count), amount, bonus


# Sums of money over a day of a client: wider than one amount.
SUM_OF_MONEY = {"max_digits": 18, "decimal_places": 3}


class DailyReturnFigure(models.Model):
    """One additive figure of a ReportDay: counts and sums only (never a median), as the report adds them."""

    report_day = models.ForeignKey(ReportDay, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(max_length=12, choices=FigureKind.choices)
    key = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=300, blank=True)
    week = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    returns = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**SUM_OF_MONEY, default=0)
    bonus = models.DecimalField(**SUM_OF_MONEY, default=0)

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
