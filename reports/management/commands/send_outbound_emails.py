"""Send the outbox's pending emails that are due: for cron, e.g. every 10 minutes.

Celery retries a failed email by itself when a broker runs it; this sweep also sends those that
never reached a worker (the broker down at commit, or no broker at all: tasks then run in-process
and a failure waits for this sweep).
"""

from django.core.management.base import BaseCommand

from core.words import counted
from reports import outbox
from reports.models import EmailStatus


class Command(BaseCommand):
    help = "Send the pending outbox emails whose next attempt is due."

    def handle(self, *args, **options) -> None:
        outcomes = [outbox.send_email(email_id=email_id).status for email_id in outbox.due_email_ids()]
        sent = outcomes.count(EmailStatus.SENT)
        self.stdout.write(f"{counted(len(outcomes), 'email')} due: {sent} sent, {len(outcomes) - sent} still failing.")
