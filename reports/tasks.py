"""Background work of the reports app, run by the Celery worker (in-process when REDIS_URL is unset)."""

from celery import shared_task

from reports import services


@shared_task(ignore_result=True)
def write_export(job_id: int) -> None:
    services.write_export(job_id=job_id)
