"""Work for Celery, run by the worker (in-process when REDIS_URL is unset): the outbox's emails, sent
after the transaction that wrote them commits, and exports too large for one request.
"""

from celery import shared_task

from reports import outbox, services
from reports.models import EmailStatus


@shared_task(bind=True, max_retries=outbox.MAX_ATTEMPTS - 1, acks_late=True)
def send_outbound_email(self, email_id: int) -> str:
    """Try the email; while it stays pending, Celery tries again when it is next due (backing off)."""
    email = outbox.send_email(email_id=email_id)
    # In-process (no broker) a retry would run at once, without the wait: there the cron sweep
    # (manage.py send_outbound_emails) tries it again when it is due.
    if email.status == EmailStatus.PENDING and not self.request.is_eager:
        raise self.retry(eta=email.next_attempt_at)
    return email.status


@shared_task(ignore_result=True)
def write_export(job_id: int) -> None:
    services.write_export(job_id=job_id)
