"""The reports page, its CSV downloads and the monthly client report: managers only (reports.view_reports)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from reports import pdf, selectors, services
from reports.figures import figure_csv, figures_of, hours, percent
from reports.forms import MonthlyReportForm, ReportFilterForm

PERMISSION = "reports.view_reports"


def _require_reports(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def reports_page(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportFilterForm(request.GET or ReportFilterForm.defaults())
    last_month = selectors.previous_month()
    context = {
        **admin.site.each_context(request), "title": "Reports", "form": form,
        "time_zone": timezone.get_default_timezone_name(),
        # The same fields twice (download, email), so each needs its own element ids.
        "download_form": MonthlyReportForm(initial={"month": last_month}, auto_id="download_%s"),
        "email_form": MonthlyReportForm(initial={"month": last_month}, auto_id="email_%s"),
        "recent_emails": selectors.recent_emails(),
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


@require_http_methods(["GET", "POST"])
def monthly_report(request: HttpRequest) -> HttpResponse:
    """GET: the client's monthly report as a PDF. POST: email it to the client's contact, through the outbox."""
    _require_reports(request)
    form = MonthlyReportForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET":
        if not form.is_valid():
            return HttpResponseBadRequest("Give the client and the month as YYYY-MM.")
        report = selectors.monthly_report(client=form.cleaned_data["client"], month=form.cleaned_data["month"])
        response = HttpResponse(pdf.monthly_report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.report_filename(report)}"'
        return response
    if not form.is_valid():
        messages.error(request, "Choose a client and a month to email the report.")
    else:
        client, month = form.cleaned_data["client"], form.cleaned_data["month"]
        try:
            email = services.email_monthly_report(client=client, month=month, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"The {month:%B %Y} report of {client} goes to {email.destination} (see Emailed reports)."
            )
    return HttpResponseRedirect(reverse("admin:reports") + "#monthly-report")
