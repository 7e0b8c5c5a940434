"""Export files name customers: each is deleted EXPORT_FILES_KEPT_DAYS after it was written, and its
job's page then says so and offers to export the list again."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from reports.expired_exports import delete_expired_export_files
from reports.models import ExportJob, ExportStatus

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def kept_a_week(settings):
    settings.EXPORT_FILES_KEPT_DAYS = 7


def export_written(staff, *, days_ago: float, status: str = ExportStatus.DONE) -> ExportJob:
    job = ExportJob(requested_by=staff.manager, model_label="rma.returnrequest", file_format="csv", status=status,
                    rows_total=1, rows_done=1, finished_at=NOW - dt.timedelta(days=days_ago))
    job.file.save("returns.csv", ContentFile(b"RAN,Customer\nR-1,jo@example.com\n"), save=False)
    job.save()
    return job


def test_a_file_older_than_the_setting_is_deleted_and_a_newer_one_kept(staff, django_capture_on_commit_callbacks):
    old, recent = export_written(staff, days_ago=7.5), export_written(staff, days_ago=6.5)
    old_name = old.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_expired_export_files(clock=lambda: NOW) == 1
    old.refresh_from_db()
    recent.refresh_from_db()

    assert (old.file.name, default_storage.exists(old_name)) == ("", False)
    assert recent.file and default_storage.exists(recent.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_expired_export_files(clock=lambda: NOW) == 0  # nothing twice


def test_the_expired_jobs_page_says_so_and_its_download_is_gone(client, staff, django_capture_on_commit_callbacks):
    job = export_written(staff, days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_expired_exports")
    client.force_login(staff.manager)

    page = client.get(reverse("admin:reports_exportjob_change", args=[job.pk]))

    assert "The file was deleted 7 days after it was written" in page.content.decode()
    assert client.get(reverse("admin:reports_exportjob_download", args=[job.pk])).status_code == 404
    assert "expired" in client.get(reverse("admin:reports_exportjob_changelist")).content.decode()
