"""The admin site of the back office: a dashboard as its index and the stations of the floor."""

from functools import update_wrapper, wraps

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_protect

from backoffice import dock, selectors, station, two_factor
from core.admin import is_id_of
from core.forms import bound_username
from reports import exports
from reports import views as reports
from reports.export_page import export_page
from rma import selectors as rma_selectors


class LoginForm(AdminAuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_username(self)


class BackOfficeSite(admin.AdminSite):
    site_header = "Returns back office"
    site_title = "Returns back office"
    index_title = "Returns floor"
    index_template = "admin/dashboard.html"
    # No public site stands behind the back office (the portal is per client): no "View site" link.
    site_url = None
    login_form = LoginForm
    # The working screens need the width; the top bar links to each role's stations.
    enable_nav_sidebar = False

    def has_permission(self, request):
        # The password alone is not enough where a second factor is asked (backoffice.two_factor).
        return super().has_permission(request) and not two_factor.pending(request)

    def admin_view(self, view, cacheable=False):
        """Every admin page, but between the password and the code only the code's page and logging out."""
        guarded = super().admin_view(_with_valid_selection(view), cacheable)

        def inner(request, *args, **kwargs):
            if not two_factor.pending(request):
                return guarded(request, *args, **kwargs)
            if request.path == reverse("admin:logout", current_app=self.name):
                return csrf_protect(self.logout)(request)
            return redirect_to_login(request.get_full_path(), reverse("admin:two_factor", current_app=self.name))

        return update_wrapper(inner, view)

    def login(self, request, extra_context=None):
        if request.method == "GET" and two_factor.pending(request):
            return redirect_to_login(request.GET.get("next", ""), reverse("admin:two_factor", current_app=self.name))
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        site = rma_selectors.assigned_warehouse(user=request.user)
        figures = selectors.dashboard_for_viewer(site=site, refunds=request.user.has_perm("refunds.view_refund"))
        context = {"dashboard": figures, **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self):
        view = self.admin_view
        sign_in = [path("two-factor/", two_factor.second_factor_page, {"site": self}, name="two_factor")]
        stations = [
            path("inspect/", view(station.find_return), name="inspection_station"),
            path("inspect/<int:rma_id>/", view(station.next_unit), name="inspection_station_return"),
            path("inspect/<int:rma_id>/unit/<int:unit_number>/", view(station.inspect_unit),
                 name="inspection_station_unit"),
            path("inspect/<int:rma_id>/dispositions/", view(station.confirm_dispositions),
                 name="inspection_station_dispositions"),
            path("dock/", view(dock.screen), name="dock"),
            # JSON for the screen's script: it answers a signed-out user with 403, not the login page.
            path("dock/scan/", dock.scan, name="dock_scan"),
            path("dock/keep-alive/", dock.keep_alive, name="dock_keep_alive"),
            path("dock/parcel/<int:parcel_id>/note/", view(dock.note_parcel), name="dock_parcel_note"),
            path("dock/return/<int:rma_id>/extra-unit/", view(dock.record_extra_unit), name="dock_extra_unit"),
        ]
        report_pages = [
            path("report/", view(reports.reports_page), name="reports"),
            path("report/<slug:key>.csv", view(reports.figure_download), name="reports_csv"),
            path("report/monthly/", view(reports.monthly_report), name="reports_monthly"),
        ]
        # Before the lists' own addresses, where "export/" would be read as an object's id.
        export_pages = [
            path(f"{opts.app_label}/{opts.model_name}/export/", view(export_page), {"label": listing.label},
                 name=f"{opts.app_label}_{opts.model_name}_export")
            for listing in exports.exportable_lists() for opts in [listing.model._meta]
        ]
        return sign_in + stations + report_pages + export_pages + super().get_urls()


def _with_valid_selection(view):
    """A list's action run on a selection that names no row of it ("abc", "1e400"), as only a forged form
    can send, is refused with a message; Django's own code would look the ids up and fail with a 500."""
    model_admin = getattr(view, "__self__", None)
    if not isinstance(model_admin, admin.ModelAdmin) or view.__name__ != "changelist_view":
        return view

    @wraps(view)
    def checked(request, *args, **kwargs):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        if not all(is_id_of(model_admin.model._meta.pk, value) for value in selected):
            messages.error(request, "The selection names rows that do not exist: select them again.")
            return HttpResponseRedirect(request.get_full_path())
        return view(request, *args, **kwargs)

    return checked
