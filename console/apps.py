from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The merchant's console: a client's own staff read their returns, refunds and reports."""

    name = "console"
