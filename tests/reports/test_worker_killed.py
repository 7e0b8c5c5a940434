"""A worker killed mid-export loses nothing: a real Celery worker on Redis is killed with SIGKILL while it
writes a large export, the sweep takes the job back once its lease ran out, and a second worker writes
the file, once."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import timezone

from reports import exports
from reports.models import ExportJob, ExportStatus
from reports.stuck_exports import requeue_stuck_exports
from returns_site.celery import app as celery_app
from rma.models import ReceivingScan, ScanResult
from tests.factories import Staff
from tests.reports.exports import csv_rows, request_export
from tests.reports.test_export_worker import REDIS_URL, database_url_of_the_tests, redis_broker  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
# Enough rows that the first worker is still writing when it is killed, a few seconds' work in all.
SCANS = 30_000


@contextmanager
def celery_worker(settings, log: Path):
    """`celery -A returns_site worker --pool=solo`: the task runs in the worker's own process."""
    env = {**os.environ, "DATABASE_URL": database_url_of_the_tests(), "REDIS_URL": REDIS_URL,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "returns_site", "worker", "--pool=solo",
             "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: celery_app.control.ping(timeout=0.5) or process.poll() is not None, seconds=20)
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not (met := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(met)


def job_now(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_whose_worker_is_killed_is_written_by_the_next_worker_once(
    client, settings, redis_broker, tmp_path,  # noqa: F811
):
    settings.EXPORT_INLINE_MAX_ROWS = 10
    staff = Staff()
    at = timezone.now()
    ReceivingScan.objects.bulk_create(
        ReceivingScan(code=f"SCAN{n:06d}", result=ScanResult.MISTYPED, actor=staff.dock, scanned_at=at)
        for n in range(SCANS)
    )
    client.force_login(staff.manager)

    with celery_worker(settings, tmp_path / "first.log") as first:
        assert request_export(client, "rma.receivingscan", {}, "csv").status_code == 302
        job = ExportJob.objects.get()
        assert wait_for(lambda: job_now(job).rows_done > 0, seconds=20), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    killed_at = job_now(job)
    assert (killed_at.status, killed_at.attempts) == (ExportStatus.RUNNING, 1)
    assert 0 < killed_at.rows_done < SCANS and not killed_at.file

    with celery_worker(settings, tmp_path / "second.log"):
        after_the_lease = killed_at.leased_until + dt.timedelta(seconds=1)
        assert requeue_stuck_exports(clock=lambda: after_the_lease) != []
        assert wait_for(lambda: job_now(job).status == ExportStatus.DONE, seconds=30), (
            f"{job.status} {job.error}\n{(tmp_path / 'second.log').read_text()}"
        )

    assert (job.attempts, job.rows_total, job.rows_done) == (2, SCANS, SCANS)
    with job.file.open("rb") as file:
        header, *rows = csv_rows(file.read())
    assert sorted(row[header.index("Code")] for row in rows) == [f"SCAN{n:06d}" for n in range(SCANS)]
    written = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert [path.name for path in written] == [Path(job.file.name).name]
    assert exports.run_export_job(job_id=job.pk) is None  # the dead worker's task, redelivered: nothing to do
