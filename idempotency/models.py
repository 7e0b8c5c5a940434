"""Idempotency keys: a client's system may send a POST again (a timeout, a crash on its side) with the
same `Idempotency-Key` header, and gets the first response again instead of a second order or return.

A key belongs to one account (the authenticated user), so two clients may use the same key. The row
remembers what was asked (method, path, SHA-256 of the body) and, once answered, the first response
exactly as it was sent. The app knows nothing of returns: it stores requests and responses.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class KeyState(models.TextChoices):
    RUNNING = "running"  # the first request holds the key; a retry now gets a 409
    COMPLETED = "completed"  # answered; a retry with the same request gets the stored response


class IdempotencyKey(models.Model):
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    body_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=KeyState.choices, default=KeyState.RUNNING)
    # Who holds a running claim, and until when: a claim not finished by then (a crashed process) may be
    # taken over by a retry; the old holder then finds its token gone and its work is rolled back.
    holder = models.CharField(max_length=32)
    leased_until = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=bytes)
    response_content_type = models.CharField(max_length=200, blank=True)
    response_location = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_once_per_account")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
