"""An import job whose worker died is not left "running" forever: once its lease runs out the sweep
queues it again, its file still kept, and the next worker checks it from the first row; after
MAX_ATTEMPTS starts it fails for good, saying so on its page. A rerun never imports twice."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.leases import LEASE, MAX_ATTEMPTS
from importjobs import services
from importjobs.models import ImportJob, ImportStatus
from importjobs.stuck_imports import requeue_stuck_imports
from returns_site.celery import app as celery_app
from rma import order_import
from rma import services as rma_services
from rma.models import Order
from tests.factories import ClientFactory
from tests.importjobs.files import order_csv, order_rows

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SUMMARY_OF_5_NEW = "5 orders (5 new, 0 updated, 0 unchanged), 5 lines (5 new, 0 updated, 0 unchanged), 1 new customer"


@pytest.fixture(autouse=True)
def tasks_in_process(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def hafenwerk(db):
    return ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")


def queued_job(staff, rows: int = 5) -> ImportJob:
    """A job of `rows` new orders, queued (its task is not run: no on-commit callbacks in the test)."""
    return services.start_import_job(user=staff.manager, kind="orders", upload=order_csv(order_rows(rows)),
                                     file_format="csv", rows_total=rows)


def left_running(job: ImportJob, *, attempts: int, lease_ends: dt.datetime) -> ImportJob:
    """The job as a worker killed mid-check leaves it: running, some rows counted, its lease not renewed."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempts=attempts, rows_done=2, leased_until=lease_ends,
    )
    job.refresh_from_db()
    return job


def upload_exists(job: ImportJob, name: str) -> bool:
    return job.file.storage.exists(name)


def test_a_job_whose_lease_ran_out_is_imported_again_from_the_first_row(
    staff, hafenwerk, django_capture_on_commit_callbacks
):
    job = left_running(queued_job(staff), attempts=1, lease_ends=NOW - dt.timedelta(seconds=1))
    upload = job.file.name

    with django_capture_on_commit_callbacks(execute=True):
        [requeued] = requeue_stuck_imports(clock=lambda: NOW)
    job.refresh_from_db()

    assert requeued.status == ImportStatus.QUEUED
    assert (job.status, job.attempts, job.rows_done, job.leased_until) == (ImportStatus.DONE, 2, 5, None)
    assert job.summary == SUMMARY_OF_5_NEW and Order.objects.count() == 5
    assert not job.file and not upload_exists(job, upload)  # deleted once the job ended, not before


def test_a_requeued_job_keeps_its_file_and_its_page_says_it_starts_over(client, staff, hafenwerk):
    job = left_running(queued_job(staff), attempts=1, lease_ends=NOW - dt.timedelta(seconds=1))

    requeue_stuck_imports(clock=lambda: NOW)  # no worker takes it: nothing runs the test's on-commit callbacks
    job.refresh_from_db()
    client.force_login(staff.manager)
    page = client.get(reverse("admin:importjobs_importjob_change", args=[job.pk])).content.decode()

    assert (job.status, job.rows_done, job.leased_until) == (ImportStatus.QUEUED, 0, None)
    assert upload_exists(job, job.file.name)
    assert "A worker stopped while importing it: it is queued again and starts over from the first row." in page
    assert f"1 of {MAX_ATTEMPTS}" in page


def test_a_job_whose_worker_still_renews_its_lease_is_left_alone(staff, hafenwerk, monkeypatch):
    monkeypatch.setattr(order_import, "PROGRESS_EVERY", 2)  # progress, so a renewal, after rows 2 and 4 of 5
    job = queued_job(staff)
    readings, swept = iter(range(10)), []

    def worker_clock():
        """A minute passes at each reading; the sweep runs each time, just before the worker renews."""
        now = NOW + next(readings) * dt.timedelta(minutes=1)
        swept.extend(requeue_stuck_imports(clock=lambda: now))
        return now

    services.check_and_apply(job_id=job.pk, clock=worker_clock)
    job.refresh_from_db()

    assert job.finished_at - NOW > LEASE  # the run outlasted a lease: only the renewals kept it
    assert swept == [] and (job.status, job.attempts) == (ImportStatus.DONE, 1)
    assert Order.objects.count() == 5


def test_a_worker_whose_job_was_taken_back_stops_and_imports_nothing(staff, hafenwerk, monkeypatch):
    monkeypatch.setattr(order_import, "PROGRESS_EVERY", 2)
    job = queued_job(staff)
    readings = iter([NOW, NOW + LEASE + dt.timedelta(seconds=1)])

    def stalled_worker_clock():
        """The worker stalls past its lease before its first renewal, and the sweep takes the job back meanwhile."""
        now = next(readings)
        if now > NOW:
            requeue_stuck_imports(clock=lambda: now)
        return now

    assert services.check_and_apply(job_id=job.pk, clock=stalled_worker_clock) is None
    job.refresh_from_db()

    assert (job.status, job.attempts) == (ImportStatus.QUEUED, 1)
    assert not Order.objects.exists() and upload_exists(job, job.file.name)  # the next worker needs it


def test_a_job_whose_workers_died_max_attempts_times_fails_and_its_page_says_why(client, staff, hafenwerk):
    job = left_running(queued_job(staff), attempts=MAX_ATTEMPTS, lease_ends=NOW - dt.timedelta(minutes=5))
    upload = job.file.name

    [failed] = requeue_stuck_imports(clock=lambda: NOW)
    job.refresh_from_db()
    client.force_login(staff.manager)
    page = client.get(reverse("admin:importjobs_importjob_change", args=[job.pk])).content.decode()

    assert (job.status, job.finished_at, failed.status) == (ImportStatus.FAILED, NOW, ImportStatus.FAILED)
    assert f"The import failed:\n      the worker importing it stopped {MAX_ATTEMPTS} times before it finished" in page
    assert "not imported twice" in page and f"{MAX_ATTEMPTS} of {MAX_ATTEMPTS}" in page
    assert not job.file and not upload_exists(job, upload)  # the job has ended: the upload names customers


def test_a_worker_that_died_after_applying_is_rerun_without_importing_twice(
    staff, hafenwerk, django_capture_on_commit_callbacks
):
    rows = order_rows(5)
    rma_services.import_orders(columns=list(rows[0]), rows=rows, actor=staff.manager)  # committed, then it died
    job = left_running(queued_job(staff), attempts=1, lease_ends=NOW - dt.timedelta(seconds=1))
    imported = {order.number: order.updated_at for order in Order.objects.all()}

    with django_capture_on_commit_callbacks(execute=True):
        requeue_stuck_imports(clock=lambda: NOW)
    job.refresh_from_db()

    assert job.status == ImportStatus.DONE
    assert job.summary == ("5 orders (0 new, 0 updated, 5 unchanged), 5 lines (0 new, 0 updated, 5 unchanged), "
                           "0 new customers")
    assert {order.number: order.updated_at for order in Order.objects.all()} == imported


def test_a_redelivered_task_of_a_job_another_worker_holds_imports_nothing(staff, hafenwerk):
    job = left_running(queued_job(staff), attempts=1, lease_ends=NOW + dt.timedelta(minutes=1))

    assert services.check_and_apply(job_id=job.pk, clock=lambda: NOW) is None
    job.refresh_from_db()

    assert (job.status, job.attempts) == (ImportStatus.RUNNING, 1) and not Order.objects.exists()


def test_the_command_for_cron_reports_what_it_took_back(staff, hafenwerk, capsys):
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    left_running(queued_job(staff), attempts=1, lease_ends=an_hour_ago)
    left_running(queued_job(staff), attempts=MAX_ATTEMPTS, lease_ends=an_hour_ago)

    call_command("requeue_stuck_imports")

    assert "2 stuck import jobs: 1 queued again, 1 failed for good." in capsys.readouterr().out


def test_the_beat_runs_the_sweep():
    celery_app.loader.import_default_modules()

    assert "importjobs.tasks.requeue_stuck_import_jobs" in {
        entry["task"] for entry in celery_app.conf.beat_schedule.values()
    }
    assert "importjobs.tasks.requeue_stuck_import_jobs" in celery_app.tasks

