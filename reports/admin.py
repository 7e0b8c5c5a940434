"""Exports in the admin: the Export button every exportable list carries, and the export jobs.

The stage apps know nothing of reports (dependencies point one way), so the button is added here:
each exportable stage admin is registered again with the export mixin and its resource.

An export holds exactly the rows its changelist shows with the user's filters and search. Small
ones come back in the response; larger ones (over settings.EXPORT_INLINE_MAX_ROWS rows) are written
by a worker while the user watches the job's page.
"""

import tempfile

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from core.admin import ReadOnlyAdmin
from disposition.models import Disposition, StockMovement
from inspection.models import Inspection
from refunds.models import Refund
from reports import selectors, services
from reports.models import ExportJob, ExportStatus
from reports.resources import (
    DispositionResource,
    DockScanResource,
    InspectionResource,
    RefundResource,
    StockMovementResource,
    UnitResource,
)
from reports.spreadsheet import csv_chunks, write_xlsx
from rma.models import ReceivingScan, ReturnItem

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX.CONTENT_TYPE}


class SpreadsheetExportMixin(ExportMixin):
    """An Export button on the changelist, for holders of reports.export_data who may view the list."""

    export_form_class = ExportForm

    def get_export_formats(self) -> list:
        return [CSV, XLSX]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reports.export_data") and self.has_view_permission(request)

    def export_action(self, request: HttpRequest) -> HttpResponse:
        if not self.has_export_permission(request):
            raise PermissionDenied
        formats = self.get_export_formats()
        form = ExportForm(formats, self.get_export_resource_classes(request), data=request.POST or None)
        if form.is_valid():
            try:
                queryset = self.get_export_queryset(request)
            except IncorrectLookupParameters:
                opts = self.model._meta
                return HttpResponseRedirect(
                    f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{ERROR_FLAG}=1"
                )
            file_format = formats[int(form.cleaned_data["format"])]().get_extension()
            return self.export_response(request, queryset, file_format)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], self.init_request_context_data(request, form))

    def export_response(self, request: HttpRequest, queryset: QuerySet, file_format: str) -> HttpResponse:
        rows_total = queryset.count()
        if rows_total > settings.EXPORT_INLINE_MAX_ROWS:
            job = services.start_export_job(
                user=request.user, model=self.model, query_string=request.GET.urlencode(),
                file_format=file_format, rows_total=rows_total,
            )
            self.message_user(request, f"{rows_total} rows: the export is written in the background.", messages.INFO)
            return HttpResponseRedirect(reverse("admin:reports_exportjob_change", args=[job.pk]))
        resource = self.get_export_resource_classes(request)[0]()
        filename = resource.filename(file_format)
        if file_format == "csv":
            response = StreamingHttpResponse(
                csv_chunks(resource.get_export_headers(), resource.rows(queryset)), content_type=CONTENT_TYPES["csv"]
            )
            response["Content-Disposition"] = content_disposition_header(True, filename)
            return response
        # An XLSX file is a zip archive, finished only at the end: it goes through a temporary file,
        # which FileResponse closes (and so deletes) once it is sent.
        file = tempfile.TemporaryFile()  # noqa: SIM115
        write_xlsx(resource.get_export_headers(), resource.rows(queryset), file, title=resource.sheet_title())
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[file_format])


STAGE_EXPORTS = {
    ReturnItem: UnitResource,
    ReceivingScan: DockScanResource,
    Inspection: InspectionResource,
    Disposition: DispositionResource,
    StockMovement: StockMovementResource,
    Refund: RefundResource,
}


def add_export_button(model, resource) -> None:
    """Register `model`'s stage admin again, with the Export button exporting `resource`."""
    stage_admin = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    exportable = type(stage_admin.__name__, (SpreadsheetExportMixin, stage_admin), {"resource_classes": [resource]})
    admin.site.register(model, exportable)


for exported_model, export_resource in STAGE_EXPORTS.items():
    add_export_button(exported_model, export_resource)


def exported_list(job: ExportJob) -> str:
    """What the job exports, as the admin names the list, e.g. 'return requests'."""
    return str(apps.get_model(job.model_label)._meta.verbose_name_plural)


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Export jobs, read-only: each user sees their own, managers everyone's. A job's page follows it."""

    list_display = ["requested_at", "list_column", "file_format", "status", "progress_column", "requested_by",
                    "finished_at", "download_column"]
    list_filter = ["status", "file_format"]
    ordering = ["-requested_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        return selectors.export_jobs_visible_to(user=request.user)

    @admin.display(description="list")
    def list_column(self, job: ExportJob) -> str:
        return exported_list(job)

    @admin.display(description="rows")
    def progress_column(self, job: ExportJob) -> str:
        return f"{job.rows_done} of {job.rows_total}"

    @admin.display(description="file")
    def download_column(self, job: ExportJob) -> str:
        if job.status != ExportStatus.DONE:
            return "–"
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
            "title": f"Export of {exported_list(job)}",
            "running": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            "done": job.status == ExportStatus.DONE, "failed": job.status == ExportStatus.FAILED,
            "filtered_list": f"{changelist}?{job.query_string}" if job.query_string else changelist,
            "download": reverse("admin:reports_exportjob_download", args=[job.pk]),
            "eager": settings.CELERY_TASK_ALWAYS_EAGER,
        })

    def download_view(self, request: HttpRequest, job_id: int) -> FileResponse:
        job = get_object_or_404(ExportJob, pk=job_id)
        if not selectors.may_see_export(user=request.user, job=job):
            raise PermissionDenied
        if job.status != ExportStatus.DONE or not job.file:
            raise Http404("This export has no file yet.")
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
                            content_type=CONTENT_TYPES.get(job.file_format))
