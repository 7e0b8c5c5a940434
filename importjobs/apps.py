from django.apps import AppConfig


class ImportJobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "importjobs"
    verbose_name = "Imports"
