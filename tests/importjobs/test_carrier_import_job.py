"""A large carrier tracking file: checked and recorded by a worker while customer service watches the
job's page; all or nothing, every problem listed by row."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from importjobs.models import ImportJob, ImportStatus
from rma import services as rma_services
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnEvent, ReturnRequest, ReturnState
from tests.factories import return_in_state

TRACKING_IMPORT = reverse("admin:rma_carrierevent_import")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
HEADER = ["tracking_number", "event", "time", "carrier"]


@pytest.fixture
def labelled(staff) -> ReturnRequest:
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD0001")


@pytest.fixture
def customer_service(client, staff, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 3
    client.force_login(staff.customer_service)
    return client


def scan_rows(count: int) -> list[list[str]]:
    """A pickup of JJD0001, then scans of parcels no return has yet."""
    unknown = [[f"JJD9{number:03d}", "in_transit", f"2026-11-20T11:{number:02d}:00Z", "DHL"]
               for number in range(1, count)]
    return [["JJD0001", "picked_up", "2026-11-20T10:15:00+01:00", "DHL"], *unknown]


def csv_file(rows: list[list[str]]) -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in [HEADER, *rows]) + "\n"
    return SimpleUploadedFile("dhl.csv", text.encode(), content_type="text/csv")


def xlsx_file(rows: list[list[str]]) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return SimpleUploadedFile("ups.xlsx", content.getvalue())


def import_in_background(browser, file, file_format, capture) -> tuple[ImportJob, str]:
    with capture(execute=True):
        response = browser.post(TRACKING_IMPORT, {"import_file": file, "format": file_format, "resource": "0"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:importjobs_importjob_change", args=[job.pk])
    return job, browser.get(response.url).content.decode()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_file_over_the_inline_rows_is_recorded_by_a_job(
    customer_service, labelled, staff, django_capture_on_commit_callbacks, file_format
):
    rows = scan_rows(5)
    file = csv_file(rows) if file_format == CSV_FORMAT else xlsx_file(rows)

    job, page = import_in_background(customer_service, file, file_format, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert (job.kind, job.status, job.rows_done, job.rows_total) == ("carrier_events", ImportStatus.DONE, 5, 5)
    assert "Imported 5 carrier events: 1 applied, 4 unknown tracking number." in page
    assert ReturnRequest.objects.get(pk=labelled.pk).state == ReturnState.IN_TRANSIT
    assert labelled.events.get(action="ship").actor == staff.customer_service
    assert CarrierEvent.objects.filter(outcome=CarrierEventOutcome.UNKNOWN_TRACKING).count() == 4
    assert reverse("admin:rma_carrierevent_changelist") in page
    assert not job.file


def test_a_file_within_the_inline_rows_keeps_the_preview(customer_service, labelled):
    response = customer_service.post(TRACKING_IMPORT, {"import_file": csv_file(scan_rows(3)), "format": CSV_FORMAT,
                                                       "resource": "0"})

    assert response.status_code == 200 and response.context["confirm_form"] is not None
    assert not ImportJob.objects.exists() and not CarrierEvent.objects.exists()


def test_one_bad_row_and_the_job_records_nothing_listing_the_problems_by_row(
    customer_service, labelled, django_capture_on_commit_callbacks
):
    rows = scan_rows(5)
    rows[3][2] = "yesterday noon"
    rows[4][0] = ""
    events_before = ReturnEvent.objects.count()

    job, page = import_in_background(customer_service, csv_file(rows), CSV_FORMAT, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert [(problem["row"], problem["column"]) for problem in job.problems] == [(5, "time"), (6, "tracking_number")]
    assert "Nothing was imported: 2 problems" in page and "&#x27;yesterday noon&#x27; is not a time" in page
    assert TRACKING_IMPORT in page  # to upload a corrected file
    assert not CarrierEvent.objects.exists() and ReturnEvent.objects.count() == events_before
    assert ReturnRequest.objects.get(pk=labelled.pk).state == ReturnState.AUTHORIZED


def test_importing_the_file_again_changes_nothing(customer_service, labelled, django_capture_on_commit_callbacks):
    rows = scan_rows(5)
    import_in_background(customer_service, csv_file(rows), CSV_FORMAT, django_capture_on_commit_callbacks)
    ImportJob.objects.all().delete()
    before = (CarrierEvent.objects.count(), ReturnEvent.objects.count())

    _, page = import_in_background(customer_service, csv_file(rows), CSV_FORMAT, django_capture_on_commit_callbacks)

    assert (CarrierEvent.objects.count(), ReturnEvent.objects.count()) == before
    assert "Imported 5 carrier events: 1 already imported, 4 unknown tracking number." in page


def test_customer_service_follows_its_carrier_import_jobs(customer_service, labelled, staff,
                                                         django_capture_on_commit_callbacks):
    assert not staff.customer_service.has_perm("reports.import_orders")
    job, _ = import_in_background(customer_service, csv_file(scan_rows(4)), CSV_FORMAT,
                                  django_capture_on_commit_callbacks)

    listed = customer_service.get(reverse("admin:importjobs_importjob_changelist"))

    assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [job]
    assert "Carrier tracking events" in listed.content.decode()
