"""Work for Celery, found here by its autodiscovery (see reports.tasks)."""

from celery import shared_task

from importjobs.services import run_import_job
from importjobs.stuck_imports import requeue_stuck_imports

__all__ = ["requeue_stuck_import_jobs", "run_import_job"]


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def requeue_stuck_import_jobs() -> None:
    """The periodic sweep (settings.CELERY_BEAT_SCHEDULE): import jobs whose worker died start again."""
    requeue_stuck_imports()
