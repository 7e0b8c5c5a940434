from django.apps import AppConfig


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"

    def ready(self) -> None:
        from refunds import chain, exchanges, payouts

        chain.register()
        payouts.register_message_types()
        exchanges.register_message_types()
