"""The Export button's page: any exportable list, with the filters, search and order the user has on it.

Small exports come back in the response; larger ones (over settings.EXPORT_INLINE_MAX_ROWS rows) are
written by a worker while the user watches the job's page. The BackOfficeSite serves this page at
each exportable list's `export/` address; the Export button is in admin/change_list_object_tools.html.
"""

import tempfile

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ORDER_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from core.errors import InvalidInput
from core.spreadsheet import csv_chunks, write_xlsx
from reports import exports
from rma.lists import ListQuery, list_rows

FORMATS = [CSV, XLSX]
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX.CONTENT_TYPE}


def changelist_url(listing: exports.ExportableList) -> str:
    opts = listing.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def export_page(request: HttpRequest, label: str) -> HttpResponse:
    listing = exports.exportable(label)
    if listing is None:
        raise Http404("This list cannot be exported.")
    if not exports.may_export(request.user, listing.model):
        raise PermissionDenied
    form = ExportForm(FORMATS, [listing.resource], data=request.POST or None)
    query = ListQuery.from_params(request.GET, ordering=column_ordering(listing, request))
    if not form.is_valid():
        try:
            rows_total = list_rows(listing.spec, viewer=request.user, query=query).count()
        except InvalidInput as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(f"{changelist_url(listing)}?{ERROR_FLAG}=1")
        return TemplateResponse(request, "admin/import_export/export.html", {
            **admin.site.each_context(request), "title": f"Export {listing.model._meta.verbose_name_plural}",
            "form": form, "opts": listing.model._meta,
            "fields_list": [(listing.resource.get_display_name(),
                             [field.column_name for field in listing.resource().get_user_visible_fields()])],
            "scope": list_scope(listing, request), "rows_total": rows_total,
            "inline_max_rows": settings.EXPORT_INLINE_MAX_ROWS,
            "list_url": f"{changelist_url(listing)}?{request.GET.urlencode()}",
        })
    try:
        rows = list_rows(listing.spec, viewer=request.user, query=query)
        rows_total = rows.count()
    except InvalidInput as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(f"{changelist_url(listing)}?{ERROR_FLAG}=1")
    file_format = FORMATS[int(form.cleaned_data["format"])]().get_extension()
    if rows_total > settings.EXPORT_INLINE_MAX_ROWS:
        job = exports.start_export_job(
            user=request.user, listing=listing, query=query, query_string=request.GET.urlencode(),
            file_format=file_format, rows_total=rows_total,
        )
        messages.info(request, f"{rows_total} rows: the export is written in the background.")
        return HttpResponseRedirect(reverse("admin:reports_exportjob_change", args=[job.pk]))
    return file_response(listing.resource(), rows, file_format)


# What a filter shows when it narrows nothing.
UNFILTERED = {"All", "Any date"}


def list_scope(listing: exports.ExportableList, request: HttpRequest) -> list[str]:
    """The filters and search the export keeps, as the list's sidebar names them: "State: Authorized", "Search: …".

    A filter in force by default (the refund queue's "Waiting for approval") is named too.
    """
    model_admin = admin.site.get_model_admin(listing.model)
    try:
        changelist = model_admin.get_changelist_instance(request)
    except (IncorrectLookupParameters, InvalidInput):
        return [f"{key}: {value}" for key, value in ListQuery.from_params(request.GET).filters.items()]
    scope = []
    for spec in changelist.filter_specs:
        picked = [str(choice["display"]) for choice in spec.choices(changelist) if choice.get("selected")]
        if picked and picked[0] not in UNFILTERED:
            scope.append(f"{capfirst(str(spec.title))}: {', '.join(picked)}")
    if changelist.query:
        scope.append(f"Search: {changelist.query}")
    return scope


def file_response(resource: exports.ExportResource, rows: QuerySet, file_format: str) -> HttpResponse:
    filename = resource.filename(file_format)
    if file_format == "csv":
        response = StreamingHttpResponse(
            csv_chunks(resource.get_export_headers(), resource.rows(rows)), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    # An XLSX file is a zip archive, finished only at the end: it goes through a temporary file,
    # which FileResponse closes (and so deletes) once it is sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    write_xlsx(resource.get_export_headers(), resource.rows(rows), file, title=resource.sheet_title())
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[file_format])


def column_ordering(listing: exports.ExportableList, request: HttpRequest) -> tuple[str, ...]:
    """The fields the user sorted the list by, read from its `o` parameter as the admin's changelist does:
    column numbers (counting the checkbox column when the list has actions), '-' before one sorted descending.
    """
    model_admin = admin.site.get_model_admin(listing.model)
    columns = list(model_admin.get_list_display(request))
    if model_admin.get_actions(request):
        columns.insert(0, "action_checkbox")
    ordering = []
    for part in request.GET.get(ORDER_VAR, "").split("."):
        _, descending, number = part.rpartition("-")
        if not number.isdigit() or int(number) >= len(columns):
            continue
        field = _ordering_field(model_admin, columns[int(number)])
        if field:
            ordering.append(_reversed(field) if descending else field)
    return tuple(ordering)


def _ordering_field(model_admin, column: str) -> str | None:
    try:
        return model_admin.opts.get_field(column).name
    except FieldDoesNotExist:
        attribute = getattr(model_admin, column, None) or getattr(model_admin.model, column, None)
        ordering = getattr(attribute, "admin_order_field", None)
        return ordering if isinstance(ordering, str) else None


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"
