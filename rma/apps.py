from django.apps import AppConfig


class RmaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rma"
    verbose_name = "Returns"

    def ready(self) -> None:
        from rma import import_jobs, webhooks

        webhooks.register_message_types()
        import_jobs.register_import_kinds()
