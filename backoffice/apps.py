from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


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


class BackOfficeAdminConfig(AdminConfig):
    """The Django admin, with the back office's own site: the dashboard and the floor's stations."""

    default_site = "backoffice.site.BackOfficeSite"
