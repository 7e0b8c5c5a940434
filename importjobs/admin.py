"""Import jobs in the admin: each user's own, their progress and outcome; and the mixin that sends a
large upload to a job instead of the Import page's preview.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core.admin import ReadOnlyAdmin
from core.leases import MAX_ATTEMPTS
from importjobs import services
from importjobs.models import ImportJob, ImportStatus
from importjobs.registry import kind_of, may_import_any


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Import jobs, read-only: each user sees the jobs they started. A job's page follows it."""

    list_display = ["requested_at", "kind_column", "file_name", "status", "progress_column", "finished_at"]
    list_filter = ["status"]
    ordering = ["-requested_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        jobs = super().get_queryset(request).select_related("requested_by")
        return jobs if request.user.is_superuser else jobs.filter(requested_by=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_import_any(request.user)

    def has_view_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        if not may_import_any(request.user):
            return False
        return obj is None or obj.requested_by_id == request.user.pk or request.user.is_superuser

    @admin.display(description="import")
    def kind_column(self, job: ImportJob) -> str:
        return kind_of(job.kind).label

    @admin.display(description="rows")
    def progress_column(self, job: ImportJob) -> str:
        return f"{job.rows_done} of {job.rows_total}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's page: its progress while it runs (the page reloads itself), then what it applied or why not."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])  # a job is only watched here, never changed
        job = self.get_object(request, object_id)
        if job is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        kind = kind_of(job.kind)
        return TemplateResponse(request, "admin/importjobs/importjob/job.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": job, "job": job,
            "title": f"Import of {kind.label.lower()}: {job.file_name}", "kind": kind,
            "checked_all": job.rows_done >= job.rows_total,
            "import_url": reverse(kind.import_url_name), "list_url": reverse(kind.list_url_name),
            "eager": settings.CELERY_TASK_ALWAYS_EAGER, "refused": job.status == ImportStatus.REFUSED,
            "max_attempts": MAX_ATTEMPTS,
        })


class BackgroundImportMixin:
    """Mix into an ImportMixin admin (after core.import_admin.CheckedImportMixin): an upload of more than
    inline_max_rows() rows (settings.IMPORT_INLINE_MAX_ROWS) becomes an import job of `background_import_kind`,
    checked and applied by a worker while the user watches its page; smaller ones keep the preview and the
    confirm step.
    """

    background_import_kind: str

    def inline_max_rows(self) -> int:
        """The most rows checked and applied within the request: an import whose apply is slower takes fewer."""
        return settings.IMPORT_INLINE_MAX_ROWS

    def get_background_import_options(self, form) -> dict:
        """What the job's kind needs beside the file, read from the valid upload form (JSON)."""
        return {}

    def get_import_context_data(self, **kwargs) -> dict:
        return {**super().get_import_context_data(**kwargs), "inline_max_rows": self.inline_max_rows()}

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid() and form.rows_in_file > self.inline_max_rows():
                file_format = self.get_import_formats()[int(form.cleaned_data["format"])]().get_extension()
                job = services.start_import_job(
                    user=request.user, kind=self.background_import_kind, upload=form.cleaned_data["import_file"],
                    file_format=file_format, rows_total=form.rows_in_file,
                    options=self.get_background_import_options(form),
                )
                self.message_user(
                    request, f"{form.rows_in_file:,} rows: the file is checked and imported in the background.",
                    messages.INFO,
                )
                return HttpResponseRedirect(reverse("admin:importjobs_importjob_change", args=[job.pk]))
        return super().import_action(request, **kwargs)
