from django.core.management.base import BaseCommand

from core.words import counted
from rma import services


class Command(BaseCommand):
    help = "Expire authorized returns whose RAN validity has ended (run from cron, e.g. hourly)."

    def handle(self, *args, **options) -> None:
        expired = services.expire_authorizations()
        self.stdout.write(f"{counted(expired, 'authorization')} expired.")
