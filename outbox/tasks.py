"""Celery's part of the outbox: "try message N now", safe to run twice, and the periodic sweep.

acks_late and reject_on_worker_lost: a worker that dies mid-send leaves the task to another worker;
the message's lease keeps two senders from trying it at once. No long countdowns: what is not due
yet waits for the sweep (settings.CELERY_BEAT_SCHEDULE, or cron running manage.py deliver_outbox).
"""

from celery import shared_task

from outbox import delivery


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_message(message_pk: int) -> None:
    delivery.deliver(message_pk=message_pk)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_due_messages() -> None:
    delivery.deliver_due()
