"""Delivering the outbox: lease a due message, try it with no lock held, record what happened.

Two senders (Celery's task and the cron sweep, or a worker that died mid-send and the sweep after
it) may reach the same message: only the one holding the lease tries it. A sender that dies leaves
the lease to run out; the message is tried again then, with the same webhook-id.
"""

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.models import DeliveryAttempt, Message, MessageStatus
from outbox.registry import Reply, handler_for
from outbox.senders import Outcome, attempt

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)
# Longer than any attempt can take (the HTTP timeouts, an SMTP session): then the sender is gone.
LEASE = dt.timedelta(minutes=2)

Clock = Callable[[], dt.datetime]


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 1 minute, then 2, 4, 8, ... (about 2 hours in all)."""
    return FIRST_RETRY * 2 ** (attempts - 1)


def deliver(*, message_pk: int, clock: Clock = timezone.now) -> Message:
    """Try the message if it is due and nobody else is trying it; return it as it stands afterwards."""
    message = _lease(message_pk, clock())
    if message is None:
        return Message.objects.get(pk=message_pk)
    outcome = attempt(message, timestamp=int(clock().timestamp()))
    return _record(message_pk, outcome, clock())


def deliver_due(*, clock: Clock = timezone.now, limit: int = 500) -> list[Message]:
    """One pass over the messages due now (oldest first): what `manage.py deliver_outbox` runs."""
    return [deliver(message_pk=pk, clock=clock) for pk in due_message_ids(now=clock(), limit=limit)]


def due_message_ids(*, now: dt.datetime, limit: int = 500) -> list[int]:
    due = Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    )
    return list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])


@transaction.atomic
def _lease(message_pk: int, now: dt.datetime) -> Message | None:
    message = (
        Message.objects.select_for_update(skip_locked=True)
        .filter(pk=message_pk, status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .first()
    )
    if message is not None:
        message.leased_until = now + LEASE
        message.save(update_fields=["leased_until"])
    return message


@transaction.atomic
def _record(message_pk: int, outcome: Outcome, now: dt.datetime) -> Message:
    message = Message.objects.select_for_update().get(pk=message_pk)
    message.attempts += 1
    DeliveryAttempt.objects.create(
        message=message, number=message.attempts, at=now, delivered=outcome.delivered,
        status_code=outcome.status_code, error=outcome.error, duration_ms=outcome.duration_ms,
    )
    message.leased_until, message.last_status_code, message.last_error = None, outcome.status_code, outcome.error
    handler = handler_for(message.type)
    if outcome.delivered:
        message.status, message.delivered_at, message.reply = MessageStatus.DELIVERED, now, outcome.reply
    elif outcome.final or message.attempts >= MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
    message.save()
    # The writer learns the outcome in the same transaction that records it: a refund is paid exactly once.
    if outcome.delivered and handler.on_delivered:
        handler.on_delivered(message, Reply(status_code=outcome.status_code, body=outcome.reply))
    elif message.status == MessageStatus.FAILED and handler.on_failed:
        handler.on_failed(message)
    return message
