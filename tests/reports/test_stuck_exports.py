"""An export job whose worker died is not left "running" forever: once its lease runs out the sweep
queues it again, and after MAX_ATTEMPTS starts it fails for good, saying so on its page."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.leases import MAX_ATTEMPTS
from reports import exports
from reports.models import ExportJob, ExportStatus
from reports.stuck_exports import requeue_stuck_exports
from returns_site.celery import app as celery_app
from rma.models import ReturnState
from tests.factories import return_in_state
from tests.reports.exports import as_records, csv_rows

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def tasks_in_process(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def job_left_running(staff, *, attempts: int, lease_ends: dt.datetime) -> ExportJob:
    """A job as a worker killed mid-write leaves it: running, some rows counted, its lease not renewed."""
    return ExportJob.objects.create(
        requested_by=staff.manager, model_label="rma.returnrequest", file_format="csv",
        status=ExportStatus.RUNNING, rows_total=2, rows_done=1, attempts=attempts, leased_until=lease_ends,
    )


def test_a_job_whose_lease_ran_out_is_written_again_from_the_start(staff, django_capture_on_commit_callbacks):
    rmas = [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(2)]
    job = job_left_running(staff, attempts=1, lease_ends=NOW - dt.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        [requeued] = requeue_stuck_exports(clock=lambda: NOW)
    job.refresh_from_db()

    assert requeued.status == ExportStatus.QUEUED
    assert (job.status, job.attempts, job.rows_done, job.leased_until) == (ExportStatus.DONE, 2, 2, None)
    with job.file.open("rb") as file:
        assert sorted(r["RAN"] for r in as_records(csv_rows(file.read()))) == sorted(rma.ran for rma in rmas)


def test_a_job_whose_worker_still_renews_its_lease_is_left_alone(staff, django_capture_on_commit_callbacks):
    job = job_left_running(staff, attempts=1, lease_ends=NOW + dt.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_exports(clock=lambda: NOW) == []
    job.refresh_from_db()

    assert (job.status, job.attempts, job.rows_done) == (ExportStatus.RUNNING, 1, 1)


def test_a_job_whose_workers_died_max_attempts_times_fails_and_its_page_says_why(client, staff):
    job = job_left_running(staff, attempts=MAX_ATTEMPTS, lease_ends=NOW - dt.timedelta(minutes=5))

    [failed] = requeue_stuck_exports(clock=lambda: NOW)
    client.force_login(staff.manager)
    page = client.get(reverse("admin:reports_exportjob_change", args=[job.pk])).content.decode()

    assert (failed.status, failed.finished_at) == (ExportStatus.FAILED, NOW)
    assert f"The worker writing it stopped {MAX_ATTEMPTS} times" in page
    assert f"{MAX_ATTEMPTS} of {MAX_ATTEMPTS}" in page


def test_the_job_page_says_a_requeued_job_starts_over(client, staff):
    job = job_left_running(staff, attempts=1, lease_ends=NOW - dt.timedelta(seconds=1))
    celery_app.conf.task_always_eager = False  # no worker takes it: it stays queued
    try:
        requeue_stuck_exports(clock=lambda: NOW)
    finally:
        celery_app.conf.task_always_eager = True
    client.force_login(staff.manager)

    page = client.get(reverse("admin:reports_exportjob_change", args=[job.pk])).content.decode()

    assert "A worker stopped while writing it: it is queued again and starts over." in page


def test_a_redelivered_task_of_a_job_another_worker_holds_writes_nothing(staff):
    job = job_left_running(staff, attempts=1, lease_ends=timezone.now() + dt.timedelta(minutes=1))

    assert exports.run_export_job(job_id=job.pk) is None
    job.refresh_from_db()

    assert (job.status, job.attempts, job.file.name) == (ExportStatus.RUNNING, 1, "")


def test_the_command_for_cron_reports_what_it_took_back(staff, capsys):
    job_left_running(staff, attempts=1, lease_ends=timezone.now() - dt.timedelta(minutes=3))
    job_left_running(staff, attempts=MAX_ATTEMPTS, lease_ends=timezone.now() - dt.timedelta(minutes=3))

    call_command("requeue_stuck_exports")

    assert "2 stuck export jobs: 1 queued again, 1 failed for good." in capsys.readouterr().out


def test_a_task_whose_worker_process_dies_goes_back_to_the_queue():
    assert (celery_app.conf.task_acks_late, celery_app.conf.task_reject_on_worker_lost) == (True, True)


@pytest.mark.parametrize("task", ["reports.tasks.requeue_stuck_export_jobs", "rma.tasks.purge_personal_data"])
def test_the_beat_runs_the_sweeps(task):
    celery_app.loader.import_default_modules()

    assert task in {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert task in celery_app.tasks
