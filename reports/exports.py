"""Exports of the back office's lists: which lists can be exported, who may export them, and the jobs
that write the large ones in a worker.

Every exportable list is registered here with the resource naming its columns and the ListSpec its
admin list reads through (the stage apps by ReportsConfig, the returns list by the back office), so
an export holds exactly the rows its list shows for the same filters and search, rebuilt from the
saved ListQuery rather than from the admin.
"""

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from celery import shared_task
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from core.errors import PermissionRefused
from core.leases import HEARTBEAT, Clock, LeaseLost, claim, renew_lease, still_held
from core.spreadsheet import Value, write_csv, write_xlsx
from reports.models import ExportJob, ExportStatus
from reports.resources import ExportResource
from rma.lists import ListQuery, ListSpec, list_rows

logger = logging.getLogger(__name__)

# How often a running job reports its progress, in rows. Its worker also renews its lease (core.leases)
# then, and at least every HEARTBEAT; the sweep (reports.stuck_exports) queues a job whose lease ran
# out again, at most MAX_ATTEMPTS times in all.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class ExportableList:
    model: type[Model]
    resource: type[ExportResource]
    spec: ListSpec

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_LISTS: dict[str, ExportableList] = {}


def register_list(model: type[Model], *, resource: type[ExportResource], spec: ListSpec) -> None:
    """Make `model`'s list exportable: its admin list gets an Export button writing `resource`'s columns."""
    _LISTS[model._meta.label_lower] = ExportableList(model=model, resource=resource, spec=spec)


def exportable_lists() -> list[ExportableList]:
    return list(_LISTS.values())


def exportable(model: type[Model] | str) -> ExportableList | None:
    """The exportable list of a model (or a label such as 'rma.returnrequest'); None when it has none."""
    return _LISTS.get(model if isinstance(model, str) else model._meta.label_lower)


def may_export(user: AbstractBaseUser, model: type[Model]) -> bool:
    """Whether `user` may export the list of `model`: export rights, and the right to see the list."""
    opts = model._meta
    return (
        user.is_active and user.has_perm("reports.export_data")
        and any(user.has_perm(f"{opts.app_label}.{right}_{opts.model_name}") for right in ("view", "change"))
    )


def exported_list_name(job: ExportJob) -> str:
    """What the job exports, as the admin names the list, e.g. 'return requests'."""
    return str(apps.get_model(job.model_label)._meta.verbose_name_plural)


def start_export_job(
    *, user: AbstractBaseUser, listing: ExportableList, query: ListQuery, query_string: str, file_format: str,
    rows_total: int,
) -> ExportJob:
    """Queue the export of a list as the user filtered it; a worker writes it after commit.

    `query_string` is the list's address as the user had it, for the job's page to link back to.
    """
    job = ExportJob.objects.create(
        requested_by=user, model_label=listing.label, list_query=query.as_json(), query_string=query_string,
        file_format=file_format, rows_total=rows_total,
    )
    transaction.on_commit(lambda: write_export.delay(job_id=job.pk))
    return job


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def write_export(*, job_id: int) -> None:
    """The worker's part: safe to run twice, only the worker that claims the queued job writes it."""
    run_export_job(job_id=job_id)


def run_export_job(*, job_id: int, clock: Clock = timezone.now) -> ExportJob | None:
    """Claim the queued job, write its file to default storage under a lease renewed as rows are written,
    and record the outcome; None when there is nothing to claim (gone, finished, or another worker's).
    """
    job = claim(ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED), running=ExportStatus.RUNNING,
                now=clock())
    if job is None:
        return None
    try:
        listing = _listing_of(job)
        rows = list_rows(listing.spec, viewer=job.requested_by, query=ListQuery.from_json(job.list_query))
        job.rows_total = rows.count()
        _renew_lease(job, clock())
        _write_file(job, listing.resource(), rows, clock)
    except LeaseLost:
        logger.warning("Export job %s was taken back from this worker", job.pk)
        return None
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        job.status, job.error = ExportStatus.FAILED, getattr(error, "message", str(error)) or type(error).__name__
    else:
        job.status = ExportStatus.DONE
    return _finish(job, clock())


def _renew_lease(job: ExportJob, now: dt.datetime) -> None:
    """Report progress and hold the job a while longer."""
    renew_lease(job, running=ExportStatus.RUNNING, now=now, rows_done=job.rows_done, rows_total=job.rows_total)


@transaction.atomic
def _finish(job: ExportJob, now: dt.datetime) -> ExportJob | None:
    # Taken back while the file was written: the attempt that holds the job writes the file.
    if not still_held(job, running=ExportStatus.RUNNING):
        if job.file:
            job.file.delete(save=False)
        return None
    job.finished_at, job.leased_until = now, None
    job.save(update_fields=["status", "rows_done", "file", "error", "finished_at", "leased_until"])
    return job


def _listing_of(job: ExportJob) -> ExportableList:
    """The job's list, checking again that its requester may export it: they may have lost the right since."""
    listing = exportable(job.model_label)
    if listing is None:
        raise PermissionRefused(f"{job.model_label} cannot be exported.")
    if not may_export(job.requested_by, listing.model):
        raise PermissionRefused(
            f"{job.requested_by} may no longer export {listing.model._meta.verbose_name_plural}."
        )
    return listing


def _write_file(job: ExportJob, resource: ExportResource, rows, clock: Clock) -> None:
    headers, values = resource.get_export_headers(), _reporting_progress(job, resource.rows(rows), clock)
    with tempfile.TemporaryFile() as file:
        if job.file_format == "xlsx":
            write_xlsx(headers, values, file, title=resource.sheet_title())
        else:
            write_csv(headers, values, file)
        file.seek(0)
        # The name carries a random token: the media folder may be served by a web server in front.
        name = resource.filename(job.file_format, token=secrets.token_hex(8))
        job.file.save(name, File(file), save=False)


def _reporting_progress(job: ExportJob, rows: Iterator[list[Value]], clock: Clock) -> Iterator[list[Value]]:
    """Pass the rows on, counting them in job.rows_done, renewing the lease every PROGRESS_EVERY rows and
    at least every HEARTBEAT (a slow query between rows must not look like a dead worker).
    """
    beat_due = clock() + HEARTBEAT
    for row in rows:
        yield row
        job.rows_done += 1
        if job.rows_done % PROGRESS_EVERY == 0 or clock() >= beat_due:
            _renew_lease(job, clock())
            beat_due = clock() + HEARTBEAT
