"""Email every active client its monthly returns report: for cron, e.g. at 06:00 on the 1st of each month.

    python manage.py send_monthly_reports                 # the previous month
    python manage.py send_monthly_reports --month 2026-10

Idempotent per client and month: a client that already has that month's report in the outbox
(pending, sent or failed) gets nothing new. The emails go through the outbox, sent after commit.
"""

import argparse
import datetime as dt

from django.core.management.base import BaseCommand

from reports import selectors, services


def month_argument(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"give a year and month like 2026-10, not {value!r}") from error


class Command(BaseCommand):
    help = "Email each active client its returns report for a month (the previous one by default), once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", type=month_argument, help="YYYY-MM; default: the previous month")

    def handle(self, *args, month: dt.date | None = None, **options) -> None:
        month = month or selectors.previous_month()
        for client, email, created in services.send_monthly_reports(month=month):
            if email is None:
                self.stdout.write(self.style.WARNING(f"{client.code}: no contact email, nothing sent"))
            elif created:
                self.stdout.write(f"{client.code}: {month:%B %Y} report queued for {email.destination}")
            else:
                self.stdout.write(f"{client.code}: {month:%B %Y} report already in the outbox ({email.status})")
