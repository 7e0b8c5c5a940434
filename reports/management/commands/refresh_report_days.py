"""Recompute the reports' kept days that changed, and keep the recent ones not kept yet: for cron, beside beat."""

from django.core.management.base import BaseCommand

from core.words import counted
from reports.rollup import refresh_report_days


class Command(BaseCommand):
    help = "Recompute the report figures kept for the days whose returns changed, and keep the recent ended days."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{counted(refresh_report_days(), 'client day')} of the reports recomputed.")
