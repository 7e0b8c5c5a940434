"""The reports page, its CSV downloads and the monthly client report: managers only (reports.view_reports)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from reports import selectors
from reports.figures import figure_csv, figures_of, hours, percent
from reports.forms import ReportFilterForm

PERMISSION = "reports.view_reports"


def _require_reports(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def reports_page(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportFilterForm(request.GET or ReportFilterForm.defaults())
    context = {
        **admin.site.each_context(request), "title": "Reports", "form": form,
        "time_zone": timezone.get_default_timezone_name(),
    }
    if form.is_valid():
        report = selectors.report(scope=form.scope())
        context.update(
            report=report, figures=figures_of(report), query_string=form.query_string(),
            rate=percent(report.rate), hours_to_refund=hours(report.median_hours_to_refund),
        )
    return TemplateResponse(request, "admin/reports/page.html", context)


def figure_download(request: HttpRequest, key: str) -> HttpResponse:
    _require_reports(request)
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Give the client (optional), date_from and date_to as YYYY-MM-DD.")
    scope = form.scope()
    figure = next((figure for figure in figures_of(selectors.report(scope=scope)) if figure.key == key), None)
    if figure is None:
        raise Http404(f"No figure named {key}.")
    client = f"-{scope.client.code}" if scope.client else ""
    filename = f"returns-{key}{client}-{scope.date_from.isoformat()}-{scope.date_to.isoformat()}.csv"
    response = HttpResponse(figure_csv(figure), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
