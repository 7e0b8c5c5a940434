"""Work for Celery, found here by its autodiscovery: each task lives beside the work it does, so the
modules that queue work and the worker's entry point never import each other.

Run by the worker, or in-process when REDIS_URL is unset.
"""

from celery import shared_task

from reports.expired_exports import delete_expired_export_files
from reports.exports import write_export
from reports.rollup import refresh_report_days
from reports.stuck_exports import requeue_stuck_exports

__all__ = ["delete_expired_exports", "refresh_kept_report_days", "requeue_stuck_export_jobs", "write_export"]


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def requeue_stuck_export_jobs() -> None:
    """The periodic sweep (settings.CELERY_BEAT_SCHEDULE): export jobs whose worker died start again."""
    requeue_stuck_exports()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def delete_expired_exports() -> None:
    """The daily deletion (settings.CELERY_BEAT_SCHEDULE) of export files past EXPORT_FILES_KEPT_DAYS."""
    delete_expired_export_files()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_kept_report_days() -> None:
    """The periodic refresh (settings.CELERY_BEAT_SCHEDULE): the reports' kept days that changed are recomputed."""
    refresh_report_days()
