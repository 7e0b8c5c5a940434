"""Reads of the outbox that other screens show."""

from outbox.models import Message, MessageStatus


def failed_message_count() -> int:
    """Messages every attempt of which failed, waiting for a person to retry them."""
    return Message.objects.filter(status=MessageStatus.FAILED).count()
