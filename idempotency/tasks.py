"""Celery's part: the hourly purge of expired idempotency keys (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from idempotency import services


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> None:
    services.purge_expired_keys()
