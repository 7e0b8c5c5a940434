"""The export jobs in the admin: each user's own, their progress, and their files.

The Export button and its page are in reports.export_page.
"""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.leases import MAX_ATTEMPTS
from reports import exports, selectors
from reports.export_page import CONTENT_TYPES
from reports.models import ExportJob, ExportStatus


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Export jobs, read-only: each user sees their own, managers everyone's. A job's page follows it."""

    list_display = ["requested_at", "list_column", "file_format", "status", "progress_column", "attempts",
                    "requested_by", "finished_at", "download_column"]
    list_filter = ["status", "file_format"]
    ordering = ["-requested_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        return selectors.export_jobs_visible_to(user=request.user)

    @admin.display(description="list")
    def list_column(self, job: ExportJob) -> str:
        return exports.exported_list_name(job)

    @admin.display(description="rows")
    def progress_column(self, job: ExportJob) -> str:
        return f"{job.rows_done} of {job.rows_total}"

    @admin.display(description="file")
    def download_column(self, job: ExportJob) -> str:
        if job.status != ExportStatus.DONE:
            return "–"
        if not job.file:
            return "expired"
        return format_html('<a href="{}">Download</a>', reverse("admin:reports_exportjob_download", args=[job.pk]))

    def get_urls(self):
        own = [path("<int:job_id>/download/", self.admin_site.admin_view(self.download_view),
                    name="reports_exportjob_download")]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's page: its progress while it runs (the page reloads itself), then the file or the error."""
        job = self.get_object(request, object_id)
        if job is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        opts = apps.get_model(job.model_label)._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return TemplateResponse(request, "admin/reports/exportjob/job.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": job, "job": job,
            "title": f"Export of {exports.exported_list_name(job)}",
            "running": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            "done": job.status == ExportStatus.DONE, "failed": job.status == ExportStatus.FAILED,
            "filtered_list": f"{changelist}?{job.query_string}" if job.query_string else changelist,
            "download": reverse("admin:reports_exportjob_download", args=[job.pk]),
            "eager": settings.CELERY_TASK_ALWAYS_EAGER, "max_attempts": MAX_ATTEMPTS,
            "kept_days": settings.EXPORT_FILES_KEPT_DAYS,
        })

    def download_view(self, request: HttpRequest, job_id: int) -> FileResponse:
        job = get_object_or_404(ExportJob, pk=job_id)
        if not selectors.may_see_export(user=request.user, job=job):
            raise PermissionDenied
        if job.status != ExportStatus.DONE or not job.file:
            raise Http404("This export has no file yet.")
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
                            content_type=CONTENT_TYPES.get(job.file_format))
