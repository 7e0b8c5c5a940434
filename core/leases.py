"""Background jobs that survive their worker: the worker running a job holds a lease on it and renews it
as it works; a job whose lease ran out has lost its worker, and the sweep queues it again (from the
start) or, after MAX_ATTEMPTS starts, fails it for good with a message for the job's page.

A leased job's model inherits LeasedJob and also has `status`, `rows_done`, `error` and `finished_at`
(export jobs in reports, import jobs in importjobs). The attempt number fences off a worker whose job
was taken back: its renewals and its outcome are refused, so only the attempt holding the job ends it.
"""

import datetime as dt
from collections.abc import Callable

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

# A worker renews its job's lease at least every HEARTBEAT; the sweep runs every minute (beat or cron).
LEASE = dt.timedelta(minutes=2)
HEARTBEAT = LEASE / 4
MAX_ATTEMPTS = 3

Clock = Callable[[], dt.datetime]


class LeasedJob(models.Model):
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker started it.")
    leased_until = models.DateTimeField(
        null=True, blank=True, help_text="The worker running it renews this as it works; past it, that worker died.",
    )

    class Meta:
        abstract = True


class LeaseLost(Exception):
    """The job is no longer this worker's: the sweep took it back after its lease ran out."""


@transaction.atomic
def claim(queued: QuerySet, *, running: str, now: dt.datetime) -> LeasedJob | None:
    """Take the job `queued` selects (one, still queued) for this worker: a new attempt, from row 0."""
    job = queued.select_for_update(skip_locked=True).first()
    if job is not None:
        job.status, job.attempts, job.rows_done = running, job.attempts + 1, 0
        job.leased_until = now + LEASE
        job.save(update_fields=["status", "attempts", "rows_done", "leased_until"])
    return job


def renew_lease(job: LeasedJob, *, running: str, now: dt.datetime, **progress) -> None:
    """Hold the job a while longer, recording `progress` (field values); LeaseLost if it was taken back."""
    job.leased_until = now + LEASE
    renewed = type(job).objects.filter(pk=job.pk, status=running, attempts=job.attempts).update(
        **progress, leased_until=job.leased_until,
    )
    if not renewed:
        raise LeaseLost


def still_held(job: LeasedJob, *, running: str) -> bool:
    """Whether this attempt still holds the job, locking it until the transaction ends (call inside one)."""
    return type(job).objects.select_for_update().filter(pk=job.pk, status=running, attempts=job.attempts).exists()


def requeue_stuck(
    model: type[LeasedJob], *, running: str, queued: str, failed: str, start_again: Callable[[int], None],
    gave_up: Callable[[LeasedJob], str], clock: Clock = timezone.now, max_attempts: int = MAX_ATTEMPTS,
) -> list[LeasedJob]:
    """Queue again every running job of `model` whose lease ran out, calling `start_again(job_id)` after
    commit; a job started `max_attempts` times already fails instead, its error `gave_up(job)`.
    Returns the jobs taken back.
    """
    now = clock()
    stuck = model.objects.filter(status=running, leased_until__lte=now).order_by("pk").values_list("pk", flat=True)
    taken_back = (
        _take_back(model, pk, now=now, running=running, queued=queued, failed=failed, start_again=start_again,
                   gave_up=gave_up, max_attempts=max_attempts)
        for pk in stuck
    )
    return [job for job in taken_back if job is not None]


@transaction.atomic
def _take_back(
    model: type[LeasedJob], job_id: int, *, now: dt.datetime, running: str, queued: str, failed: str,
    start_again: Callable[[int], None], gave_up: Callable[[LeasedJob], str], max_attempts: int,
) -> LeasedJob | None:
    # Locked, and the lease read again: the worker may have renewed it since the list was read.
    job = model.objects.select_for_update(skip_locked=True).filter(
        pk=job_id, status=running, leased_until__lte=now,
    ).first()
    if job is None:
        return None
    if job.attempts >= max_attempts:
        job.status, job.finished_at, job.error = failed, now, gave_up(job)
    else:
        job.status, job.rows_done = queued, 0
        transaction.on_commit(lambda: start_again(job_id))
    job.leased_until = None
    job.save(update_fields=["status", "rows_done", "error", "finished_at", "leased_until"])
    return job
