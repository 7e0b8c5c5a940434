import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.words import counted
from rma import services


class Command(BaseCommand):
    help = "Email the customers whose return authorization ends soon, once each (run from cron, e.g. hourly)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=settings.RAN_EXPIRY_WARNING_DAYS,
            help="Warn of authorizations ending within this many days (default: RAN_EXPIRY_WARNING_DAYS).",
        )

    def handle(self, *args, days: int, **options) -> None:
        if days < 0:
            raise CommandError("--days cannot be negative.")
        warned = services.warn_of_expiring_authorizations(within=dt.timedelta(days=days))
        self.stdout.write(f"{counted(warned, 'expiry warning')} queued.")
