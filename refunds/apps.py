from django.apps import AppConfig


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"

    def ready(self) -> None:
        from refunds import chain, exchanges, import_jobs, payouts

        chain.register()
        import_jobs.register_import_kinds()
        payouts.register_message_types()
        exchanges.register_message_types()
