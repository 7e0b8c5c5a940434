"""Reads of the outbox that other screens and its writers share."""

from outbox.models import Message, MessageStatus


def failed_message_count() -> int:
    """Messages every attempt of which failed, waiting for a person to retry them."""
    return Message.objects.filter(status=MessageStatus.FAILED).count()


def is_written(*, idempotency_key: str) -> bool:
    """Whether the message with this key is in the outbox already (so its writer need not render it again)."""
    return Message.objects.filter(idempotency_key=idempotency_key).exists()
