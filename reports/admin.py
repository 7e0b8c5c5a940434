"""Exports in the admin: the Export button every exportable list carries.

An export holds exactly the rows its changelist shows with the user's filters and search, and
comes back in the response: CSV streamed as it is written, XLSX through a temporary file.
"""

import tempfile

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from reports.spreadsheet import csv_chunks, write_xlsx

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
