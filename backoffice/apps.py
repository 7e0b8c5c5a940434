from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in

from core.sessions import start_session_clock


class BackofficeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # Models and selectors load only once the app registry is ready.
        from backoffice.selectors import RETURNS_LIST
        from reports import exports
        from reports.resources import ReturnResource
        from rma.models import ReturnRequest

        exports.register_list(ReturnRequest, resource=ReturnResource, spec=RETURNS_LIST)
        # Every sign-in (the admin's, the console's) starts the session's idle and total limits.
        user_logged_in.connect(start_session_clock, dispatch_uid="start_session_clock")


class BackOfficeAdminConfig(AdminConfig):
    """The Django admin, with the back office's own site: the dashboard and the floor's stations."""

    default_site = "backoffice.site.BackOfficeSite"
