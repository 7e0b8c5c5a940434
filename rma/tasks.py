"""Celery's part of the rma stage: the periodic warning of authorizations about to expire
(settings.CELERY_BEAT_SCHEDULE; without a broker, cron runs manage.py warn_of_expiring_authorizations).
Safe to run twice: each return is warned once.
"""

from celery import shared_task

from rma import services
from rma.services import erasure


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def warn_of_expiring_authorizations() -> None:
    services.warn_of_expiring_authorizations()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def purge_personal_data() -> None:
    """Daily: the personal data of returns closed longer than PERSONAL_DATA_RETENTION_DAYS ago (idempotent)."""
    erasure.purge_personal_data()
