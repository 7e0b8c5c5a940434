from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class BackofficeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backoffice"
    verbose_name = "Back office"


class BackOfficeAdminConfig(AdminConfig):
    """The Django admin, with the back office's own site: the dashboard and the floor's stations."""

    default_site = "backoffice.site.BackOfficeSite"
