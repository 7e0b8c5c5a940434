"""Purge the photos and personal data of returns closed longer than PERSONAL_DATA_RETENTION_DAYS ago:
for cron, beside Celery beat's daily run. Idempotent: what is purged once is not touched again."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.words import counted
from rma.services.erasure import purge_personal_data


class Command(BaseCommand):
    help = ("Erase the photos and personal data of returns closed more than PERSONAL_DATA_RETENTION_DAYS "
            "ago, and of customers left with nothing newer.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=100, help="Returns per batch (default 100).")

    def handle(self, *args, batch_size: int, **options) -> None:
        outcome = purge_personal_data(batch_size=max(1, batch_size))
        self.stdout.write(
            f"{counted(outcome.returns, 'return')} closed more than {settings.PERSONAL_DATA_RETENTION_DAYS} days "
            f"ago purged; {counted(outcome.customers, 'customer')} erased whole."
        )
