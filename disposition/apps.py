from django.apps import AppConfig


class DispositionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disposition"

    def ready(self) -> None:
        from disposition import receivers  # noqa: F401  (connects to the inspection stage's signal)
