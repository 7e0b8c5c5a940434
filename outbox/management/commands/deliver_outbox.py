"""One pass over every outbox message that is due, then exit: for cron (e.g. every minute) and tests."""

from django.core.management.base import BaseCommand

from core.words import counted
from outbox import delivery
from outbox.models import MessageStatus


class Command(BaseCommand):
    help = "Deliver the pending outbox messages whose next attempt is due, once each."

    def handle(self, *args, **options) -> None:
        messages = delivery.deliver_due()
        delivered = sum(message.status == MessageStatus.DELIVERED for message in messages)
        failed = sum(message.status == MessageStatus.FAILED for message in messages)
        self.stdout.write(
            f"{counted(len(messages), 'message')} due: {delivered} delivered, {failed} failed for good, "
            f"{len(messages) - delivered - failed} to try again later."
        )
