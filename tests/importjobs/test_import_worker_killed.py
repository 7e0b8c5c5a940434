"""A worker killed mid-import loses nothing: a real Celery worker on Redis is killed with SIGKILL while it
checks a large order file, the sweep takes the job back once its lease ran out, and a second worker
imports the file from its kept upload, once."""

import datetime as dt
import signal
from pathlib import Path

import pytest
from django.urls import reverse

from importjobs import services
from importjobs.models import ImportJob, ImportStatus
from importjobs.stuck_imports import requeue_stuck_imports
from rma.models import Order
from tests.factories import ClientFactory, Staff
from tests.importjobs.files import order_csv, order_rows
from tests.reports.test_export_worker import redis_broker  # noqa: F401
from tests.reports.test_worker_killed import celery_worker, wait_for

# Enough rows that the first worker is still checking when it is killed, a few seconds' work in all.
# Every wait below is capped, so a worker that never starts or never finishes fails the test in a minute or two.
ROWS = 20_000


def job_now(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_whose_worker_is_killed_is_imported_by_the_next_worker_once(
    client, settings, redis_broker, tmp_path,  # noqa: F811
):
    settings.IMPORT_INLINE_MAX_ROWS = 10
    ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")
    client.force_login(Staff().manager)

    with celery_worker(settings, tmp_path / "first.log") as first:
        response = client.post(reverse("admin:rma_order_import"),
                               {"import_file": order_csv(order_rows(ROWS)), "format": "0", "resource": "0"})
        assert response.status_code == 302
        job = ImportJob.objects.get()
        assert wait_for(lambda: job_now(job).rows_done > 0, seconds=30), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    killed_at = job_now(job)
    assert (killed_at.status, killed_at.attempts) == (ImportStatus.RUNNING, 1)
    assert 0 < killed_at.rows_done < ROWS and not Order.objects.exists()
    assert killed_at.file.storage.exists(killed_at.file.name)  # kept for the next worker

    with celery_worker(settings, tmp_path / "second.log"):
        after_the_lease = killed_at.leased_until + dt.timedelta(seconds=1)
        assert requeue_stuck_imports(clock=lambda: after_the_lease) != []
        assert wait_for(lambda: job_now(job).status == ImportStatus.DONE, seconds=60), (
            f"{job.status} {job.error}\n{(tmp_path / 'second.log').read_text()}"
        )

    assert (job.attempts, job.rows_done) == (2, ROWS)
    assert job.summary.startswith(f"{ROWS} orders ({ROWS} new, 0 updated, 0 unchanged)")
    assert Order.objects.count() == ROWS
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []  # upload deleted
    assert services.check_and_apply(job_id=job.pk) is None  # the dead worker's task, redelivered: nothing to do
