"""An import too large for one request: checked and applied by a worker while its page shows how far it is."""

from django.conf import settings
from django.db import models

from core.leases import LeasedJob


class ImportStatus(models.TextChoices):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # rows checked by the worker holding the lease (see rows_done), then compared and applied
    DONE = "done"  # applied; see summary
    REFUSED = "refused"  # the file has problems, listed by row: nothing was applied
    FAILED = "failed"  # an error stopped it before anything was applied; see error (also: every worker died)


class ImportJob(LeasedJob):
    """One uploaded file of one kind of import (importjobs.registry), its progress and its outcome.

    The uploaded file is deleted once the job ends: it names customers, and the job keeps what a
    person needs (the problems by row, or what was applied). Until then it is kept, so that a job
    whose worker died (its lease ran out, see core.leases) can be run again from the file.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40, help_text="What is imported, e.g. orders.")
    file_name = models.CharField(max_length=255, help_text="The uploaded file's name, as the user's computer had it.")
    file = models.FileField(upload_to="imports/", blank=True)
    file_format = models.CharField(max_length=10)
    options = models.JSONField(
        default=dict, blank=True, help_text="What the kind needs beside the file, e.g. a settlement file's client.",
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True, help_text="[{row, column, message}], rows in file order.")
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def worker_stopped(self) -> bool:
        """Whether a worker died while running it: it was started again, or is queued to be."""
        return self.attempts > 1 or (self.status == ImportStatus.QUEUED and self.attempts > 0)
