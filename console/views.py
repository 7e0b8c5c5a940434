"""The console's pages: read-only, every row fetched through the same list selectors as the API,
with the signed-in person as viewer, so another client's return or refund is a 404."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from backoffice import selectors as backoffice_selectors
from console import selectors
from console.access import client_of, console_view
from console.forms import ConsoleLoginForm, MonthForm
from core import two_factor
from core.errors import InvalidInput
from refunds import selectors as refund_selectors
from refunds.models import RefundStatus
from reports import selectors as report_selectors
from reports.figures import figures_of, percent
from rma.lists import ListQuery
from rma.models import ReturnState

PER_PAGE = 25
# Every refund, not finance's default queue (waiting for approval).
ALL_REFUNDS = "all"


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleLoginForm
    next_page = reverse_lazy("console:returns")


class LogoutView(auth_views.LogoutView):
    template_name = "console/logged_out.html"


def _page(request: HttpRequest, rows):
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("p"))


def _listed(request: HttpRequest, template: str, rows_of, context: dict) -> HttpResponse:
    """A list page; a filter or search it cannot take is a 400 with the reason on the page."""
    try:
        page = _page(request, rows_of(ListQuery.from_params(request.GET)))
        status, error = 200, ""
    except InvalidInput as invalid:
        page, status, error = None, 400, invalid.message
    params = request.GET.copy()
    params.pop("p", None)
    context.update(page=page, error=error, query=request.GET.get("q", ""), params=params.urlencode())
    return TemplateResponse(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """After the password: enrol an authenticator app the first time (QR code and key), then its code every time."""
    if not request.user.is_authenticated or client_of(request.user) is None or request.user.is_staff:
        return redirect_to_login(request.get_full_path(), reverse("console:login"))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    step = two_factor.take_second_factor(request)
    if step.passed:
        return HttpResponseRedirect(next_url or reverse("console:returns"))
    context = {**step.context(), "next": next_url}
    return TemplateResponse(request, "console/two_factor.html", context, status=400 if step.form.errors else 200)


@require_safe
@console_view
def returns_page(request: HttpRequest) -> HttpResponse:
    def rows_of(query: ListQuery):
        return backoffice_selectors.returns_list(viewer=request.user, query=query)
    return _listed(request, "console/returns.html", rows_of, {
        "states": ReturnState.choices, "state": request.GET.get("state__exact", ""),
    })


@require_safe
@console_view
def return_page(request: HttpRequest, pk: int) -> HttpResponse:
    rma = get_object_or_404(backoffice_selectors.returns_list(viewer=request.user), pk=pk)
    refunds = refund_selectors.refunds_list(viewer=request.user, query=ListQuery(filters={"queue": ALL_REFUNDS}))
    return TemplateResponse(request, "console/return.html", {
        "rma": rma,
        "units": backoffice_selectors.return_page_units(rma=rma),
        "refunds": refunds.filter(return_request=rma),
        "timeline": selectors.state_changes(rma=rma),
    })


@require_safe
@console_view
def refunds_page(request: HttpRequest) -> HttpResponse:
    def rows_of(query: ListQuery):
        filters = {"queue": ALL_REFUNDS, **query.filters}
        return refund_selectors.refunds_list(
            viewer=request.user, query=ListQuery(filters=filters, search=query.search, ordering=("-proposed_at",)),
        )
    return _listed(request, "console/refunds.html", rows_of, {
        "statuses": refund_selectors.REFUND_QUEUES.items(), "queue": request.GET.get("queue", ALL_REFUNDS),
    })


@require_safe
@console_view
def refund_page(request: HttpRequest, pk: int) -> HttpResponse:
    refunds = refund_selectors.refunds_list(viewer=request.user, query=ListQuery(filters={"queue": ALL_REFUNDS}))
    refund = get_object_or_404(refunds, pk=pk)
    return TemplateResponse(request, "console/refund.html", {
        "refund": refund, "statuses": dict(RefundStatus.choices),
    })


@require_safe
@console_view
def reports_page(request: HttpRequest) -> HttpResponse:
    """The client's month: returns and return rate, by reason and by SKU, refunds, time in each stage."""
    today = timezone.localdate()
    form = MonthForm(request.GET or {"month": today.strftime("%Y-%m")})
    if not form.is_valid():
        return TemplateResponse(request, "console/reports.html", {"form": form}, status=400)
    scope = report_selectors.month_scope(client=request.client, month=form.cleaned_data["month"])
    report = report_selectors.report(scope=scope)
    figures = [figure for figure in figures_of(report) if figure.key != "by-client"]
    return TemplateResponse(request, "console/reports.html", {
        "form": form, "report": report, "rate": percent(report.rate), "figures": figures,
    })
