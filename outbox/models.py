"""The outbox: every message that leaves the system (webhooks, emails), written in the transaction
that causes it and delivered after commit, at least once, each attempt kept.

The row is the truth. A sender leases a due row for a short while (no lock is held while the HTTP
call or the SMTP session runs), then records the outcome: delivered, tried again later (each wait
twice the one before), or failed for a person to retry. The outbox knows nothing of returns: a
message names what it belongs to by `owner` (e.g. "rma.client:7"), and its type's registered handler
(outbox.registry) learns the outcome.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import AppendOnly

# Crockford's base32 alphabet: readable in a log, no I, L, O or U.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_message_id() -> str:
    """e.g. msg_2F9K…: 130 random bits, the `webhook-id` every attempt of the message carries."""
    return "msg_" + "".join(secrets.choice(ID_ALPHABET) for _ in range(26))


class Transport(models.TextChoices):
    WEBHOOK = "webhook"
    EMAIL = "email"


class MessageStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt, or for the next one after a failure
    DELIVERED = "delivered"  # the receiver took it (a 2xx reply, or the mail server accepted it)
    FAILED = "failed"  # every attempt failed, or it can never be delivered; a person may retry it


class Message(models.Model):
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id, editable=False)
    transport = models.CharField(max_length=10, choices=Transport.choices)
    type = models.CharField(max_length=64, help_text="e.g. return.authorized, refund.requested, email.monthly_report")
    destination = models.CharField(max_length=500, help_text="The URL or email address it is sent to.")
    owner = models.CharField(max_length=100, blank=True, help_text="What it belongs to, e.g. rma.client:7.")
    payload = models.JSONField(help_text="A webhook's JSON body; an email's subject and body.")
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    # Kept with the row, in the same transaction: what is sent is what was asked for, however late.
    attachment = models.BinaryField(blank=True, default=bytes)
    idempotency_key = models.CharField(
        max_length=200, blank=True, help_text="Set where the same message must never be written twice."
    )
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="When a pending message is due.")
    leased_until = models.DateTimeField(null=True, blank=True, help_text="A sender is trying it until then.")
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    reply = models.JSONField(null=True, blank=True, help_text="The receiver's JSON reply to the delivery.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty: written by the system.",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("retry_message", "Retry a failed outbox message")]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""),
                name="outbox_message_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_message_due_idx"),
            models.Index(fields=["owner", "-created_at"], name="outbox_message_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} to {self.destination} ({self.get_status_display()})"


class DeliveryAttempt(AppendOnly):
    """One try of a message: when, what came back, how long it took."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="delivery_attempts")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    delivered = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="delivery_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.message.message_id}"
