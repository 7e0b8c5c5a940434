"""Writing messages into the outbox, in the caller's transaction; each is delivered once that commits."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.actors import Actor, require, user_of
from core.errors import InvalidInput
from outbox import tasks
from outbox.models import DeliveryAttempt, Message, MessageStatus, Transport


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    mimetype: str


def _dispatch(message_pk: int) -> None:
    tasks.deliver_message.delay(message_pk)


def _dispatch_after_commit(message_pk: int) -> None:
    # A named function, not a functools.partial: a robust on_commit logs a failing callback by its
    # __qualname__, and a partial has none, so a broker error would escape instead of being logged.
    transaction.on_commit(lambda: _dispatch(message_pk), robust=True)


def _write(*, idempotency_key: str, **fields) -> tuple[Message, bool]:
    with transaction.atomic():
        if idempotency_key:
            message, created = Message.objects.get_or_create(idempotency_key=idempotency_key, defaults=fields)
        else:
            message, created = Message.objects.create(**fields), True
        if created:
            # robust: a broker that is down must not undo the caller's change; the sweep delivers it later.
            _dispatch_after_commit(message.pk)
    return message, created


def enqueue_webhook(
    *, type: str, url: str, owner: str, data: dict, idempotency_key: str = "",
) -> tuple[Message, bool]:
    """A webhook of `type` to `url` (its handler may resolve the URL and secrets again at send time).

    With an `idempotency_key` already in the outbox nothing new is written: returns (that message, False).
    """
    message_id = Message._meta.get_field("message_id").default()
    payload = {"type": type, "timestamp": timezone.now().isoformat(), "data": data}
    return _write(
        idempotency_key=idempotency_key, message_id=message_id, transport=Transport.WEBHOOK, type=type,
        destination=url, owner=owner, payload=payload,
    )


def enqueue_email(
    *, type: str, to: str, subject: str, body: str, owner: str = "", created_by: AbstractBaseUser | None = None,
    attachment: Attachment | None = None, idempotency_key: str = "", html: str = "", sender_name: str = "",
    reply_to: str = "",
) -> tuple[Message, bool]:
    """An email to `to`, sent after the caller's transaction commits.

    `body` is its plain text; `html`, where given, the same words as an HTML alternative. `sender_name`
    is shown beside DEFAULT_FROM_EMAIL (an email in a client's name), and replies go to `reply_to`.
    With an `idempotency_key` already in the outbox nothing new is written: returns (that email, False).
    """
    payload = {"subject": subject, "body": body}
    payload.update({key: value for key, value in
                    {"html": html, "sender_name": sender_name, "reply_to": reply_to}.items() if value})
    fields = {
        "transport": Transport.EMAIL, "type": type, "destination": to, "owner": owner, "created_by": created_by,
        "payload": payload,
    }
    if attachment:
        fields.update(attachment_name=attachment.name, attachment=attachment.content,
                      attachment_type=attachment.mimetype)
    return _write(idempotency_key=idempotency_key, **fields)


@transaction.atomic
def retry_message(*, message: Message, actor: Actor) -> Message:
    """Try a failed message again from its first wait, as a person decided; it keeps its webhook-id."""
    require(actor, "outbox.retry_message", action="retry outbox messages")
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.FAILED:
        raise InvalidInput(f"Only a failed message is retried; this one is {message.get_status_display().lower()}.")
    message.status, message.attempts, message.next_attempt_at = MessageStatus.PENDING, 0, timezone.now()
    message.created_by = message.created_by or user_of(actor)
    message.save(update_fields=["status", "attempts", "next_attempt_at", "created_by"])
    _dispatch_after_commit(message.pk)
    return message


# What an erased email says instead of its words.
ERASED_EMAIL = {"subject": "[erased]", "body": "[erased]"}


def redact_messages(
    *, messages, addressed_to: str, placeholder_address: str, scrub: Callable[[Any], Any],
) -> int:
    """Erase a person's data from outbox messages, for rma.services.erasure (in its transaction).

    Emails to `addressed_to` lose their words and attachment (a gift card's code, a label, their name)
    and their address; one still pending is not sent. The other messages (webhooks about their returns)
    keep their payload with `scrub` applied, and every attempt's error is scrubbed too. Returns how many
    messages were changed.
    """
    changed = 0
    for message in Message.objects.select_for_update().filter(pk__in=messages.values("pk")):
        to_them = message.transport == Transport.EMAIL and message.destination.lower() == addressed_to.lower()
        if to_them:
            message.payload, message.destination = dict(ERASED_EMAIL), placeholder_address
            message.attachment, message.attachment_name = b"", ""
            if message.status == MessageStatus.PENDING:
                message.status, message.leased_until = MessageStatus.FAILED, None
                message.last_error = "Not sent: the customer's personal data was erased."
        else:
            message.payload = scrub(message.payload)
        message.last_error, message.reply = scrub(message.last_error), scrub(message.reply)
        message.save()
        for attempt in DeliveryAttempt.objects.filter(message=message).exclude(error=""):
            DeliveryAttempt.objects.filter(pk=attempt.pk).redact(error=scrub(attempt.error))
        changed += 1
    return changed
