from django.apps import AppConfig


class RmaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rma"
    verbose_name = "Returns"

    def ready(self) -> None:
        from rma import webhooks

        webhooks.register_message_types()
