"""Large exports: a job written in the background (in-process here), its page, its file and who may have it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import exports
from reports.models import ExportJob, ExportStatus
from returns_site.celery import app as celery_app
from rma.models import ReturnState
from tests.factories import return_in_state, user_in
from tests.reports.exports import admin_url, as_records, content_of, csv_rows, request_export, xlsx_rows


@pytest.fixture(autouse=True)
def tasks_in_process(settings, monkeypatch):
    """The embedded default: no broker, so the task runs in-process right after commit."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def large_above_two(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2


@pytest.fixture
def authorized_returns(staff):
    """Three authorized returns and one still requested."""
    return_in_state(ReturnState.REQUESTED, staff=staff)
    return [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3)]


def export_in_background(client, params, file_format, capture) -> ExportJob:
    with capture(execute=True):
        response = request_export(client, "rma.returnrequest", params, file_format)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("admin:reports_exportjob_change", args=[job.pk])
    return job


def job_page(client, job: ExportJob) -> str:
    response = client.get(reverse("admin:reports_exportjob_change", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def download(client, job: ExportJob):
    return client.get(reverse("admin:reports_exportjob_download", args=[job.pk]))


@pytest.mark.parametrize(("file_format", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_a_large_export_becomes_a_job_that_ends_done_and_offers_the_file(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks, file_format, read
):
    client.force_login(staff.finance)

    job = export_in_background(client, {"state__exact": "authorized"}, file_format,
                               django_capture_on_commit_callbacks)
    page = job_page(client, job)
    file = download(client, job)

    assert (job.model_label, job.query_string, job.file_format) == ("rma.returnrequest", "state__exact=authorized",
                                                                    file_format)
    assert (job.status, job.rows_total, job.rows_done, job.requested_by) == (ExportStatus.DONE, 3, 3, staff.finance)
    assert job.finished_at is not None and job.file.name.endswith(f".{file_format}")
    assert f"Download {file_format.upper()}" in page and 'http-equiv="refresh"' not in page
    assert file.status_code == 200 and "attachment" in file["Content-Disposition"]
    assert [r["RAN"] for r in as_records(read(content_of(file)))] == [rma.ran for rma in reversed(authorized_returns)]


def test_an_export_at_the_threshold_is_answered_at_once(client, staff, settings, authorized_returns):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    client.force_login(staff.manager)

    response = request_export(client, "rma.returnrequest", {"state__exact": "authorized"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert not ExportJob.objects.exists()


def test_progress_is_saved_while_the_rows_are_written(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    client.force_login(staff.manager)

    with CaptureQueriesContext(connection) as queries:
        job = export_in_background(client, {}, "csv", django_capture_on_commit_callbacks)

    progress = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "reports_exportjob" SET "rows_done"')]
    assert len(progress) == 3  # with the row count at the start, then after rows 2 and 4 of 4
    assert job.rows_done == 4


@pytest.mark.parametrize(("status", "eager", "says"), [
    (ExportStatus.QUEUED, False, "Waiting for a worker"),
    (ExportStatus.RUNNING, False, "Writing the file"),
    (ExportStatus.RUNNING, True, "Writing the file"),
])
def test_the_job_page_refreshes_itself_while_the_job_waits_or_runs(client, staff, settings, status, eager, says):
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    job = ExportJob.objects.create(requested_by=staff.finance, model_label="rma.returnrequest", file_format="csv",
                                   status=status, rows_total=5, rows_done=2)
    client.force_login(staff.finance)

    page = job_page(client, job)

    assert 'http-equiv="refresh"' in page
    assert "2 of 5" in page and says in page


def test_a_requester_who_lost_the_permission_gets_a_failed_job_with_the_reason(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks
):
    finance = staff.finance
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        request_export(client, "rma.returnrequest", {}, "csv")
    finance.groups.clear()

    for callback in queued:
        callback()

    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED and not job.file
    assert "may no longer export return requests" in job.error
    client.force_login(staff.manager)
    assert "The export failed: " in job_page(client, job)
    assert download(client, job).status_code == 404


def test_an_error_while_writing_fails_the_job_and_shows_the_error(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks, monkeypatch
):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "write_csv", disk_full)
    client.force_login(staff.finance)

    job = export_in_background(client, {}, "csv", django_capture_on_commit_callbacks)

    assert (job.status, job.error) == (ExportStatus.FAILED, "No space left on device")
    assert "The export failed: No space left on device" in job_page(client, job)


def test_a_finished_job_delivered_again_is_not_written_again(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks
):
    client.force_login(staff.finance)
    job = export_in_background(client, {}, "csv", django_capture_on_commit_callbacks)

    exports.write_export(job_id=job.pk)

    assert ExportJob.objects.get(pk=job.pk).file.name == job.file.name


def test_only_the_requester_or_a_manager_may_download(
    client, staff, large_above_two, authorized_returns, django_capture_on_commit_callbacks
):
    client.force_login(staff.finance)
    job = export_in_background(client, {}, "csv", django_capture_on_commit_callbacks)
    other_finance = user_in("finance")

    def download_as(user) -> int:
        client.force_login(user)
        return download(client, job).status_code

    assert download_as(staff.finance) == 200
    assert download_as(staff.manager) == 200
    assert download_as(other_finance) == 403
    assert download_as(staff.customer_service) == 403
    client.force_login(other_finance)
    assert client.get(reverse("admin:reports_exportjob_change", args=[job.pk])).status_code == 302


def test_the_jobs_list_shows_each_user_their_own_and_managers_everyones(client, staff):
    mine = ExportJob.objects.create(requested_by=staff.finance, model_label="refunds.refund", file_format="csv")
    theirs = ExportJob.objects.create(requested_by=staff.manager, model_label="rma.returnitem", file_format="xlsx")

    def listed(user) -> set[int]:
        client.force_login(user)
        response = client.get(admin_url("reports.exportjob", "changelist"))
        assert response.status_code == 200
        return {job.pk for job in response.context["cl"].result_list}

    assert listed(staff.finance) == {mine.pk}
    assert listed(staff.manager) == {mine.pk, theirs.pk}


def test_the_jobs_list_is_read_only(client, staff):
    job = ExportJob.objects.create(requested_by=staff.manager, model_label="refunds.refund", file_format="csv")
    client.force_login(staff.manager)

    page = client.get(admin_url("reports.exportjob", "changelist")).content.decode()

    assert "refunds" in page and "0 of 0" in page
    assert client.get(admin_url("reports.exportjob", "add")).status_code == 403
    assert client.post(reverse("admin:reports_exportjob_change", args=[job.pk]), {"status": "done"}).status_code == 200
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.QUEUED
    assert client.post(reverse("admin:reports_exportjob_delete", args=[job.pk])).status_code == 403


def test_staff_without_exports_cannot_see_the_jobs(client, staff):
    client.force_login(staff.inspector)

    assert client.get(admin_url("reports.exportjob", "changelist")).status_code == 403
