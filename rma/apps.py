from django.apps import AppConfig


class RmaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rma"
    verbose_name = "Returns"
