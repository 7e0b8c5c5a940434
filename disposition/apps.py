from django.apps import AppConfig


class DispositionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disposition"
