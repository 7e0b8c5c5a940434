"""Forget the API's idempotency keys older than IDEMPOTENCY_KEYS_KEPT_HOURS: for cron, beside Celery beat."""

from django.core.management.base import BaseCommand

from core.words import counted
from idempotency import services


class Command(BaseCommand):
    help = "Delete the Idempotency-Key records kept longer than IDEMPOTENCY_KEYS_KEPT_HOURS."

    def handle(self, *args, **options) -> None:
        purged = services.purge_expired_keys()
        self.stdout.write(f"{counted(purged, 'idempotency key')} purged.")
