"""Recompute every day the reports keep, from the base tables: after a restore, or to keep history at once."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.words import counted
from reports.rollup import rebuild_report_days


class Command(BaseCommand):
    help = "Recompute the report figures kept for every ended day of every client (from --since, YYYY-MM-DD)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="The first day to recompute (default: that of the first return).")

    def handle(self, *args, since: str | None = None, **options) -> None:
        try:
            first = dt.date.fromisoformat(since) if since else None
        except ValueError as error:
            raise CommandError(f"--since is a day as YYYY-MM-DD, not {since!r}.") from error
        self.stdout.write(f"{counted(rebuild_report_days(since=first), 'client day')} of the reports recomputed.")
