"""A large order file: checked and imported by a worker while the manager watches the job's page;
all or nothing, every problem listed by row; no lock held while the rows are checked."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from importjobs.models import ImportJob, ImportStatus
from rma import services as rma_services
from rma.models import Client, Customer, Order, OrderLine
from tests.factories import ClientFactory, Staff
from tests.importjobs.connections import in_another_connection
from tests.importjobs.files import order_csv, order_rows, upload, xlsx_bytes

ORDER_IMPORT = reverse("admin:rma_order_import")
CSV_FORMAT, XLSX_FORMAT = "0", "1"


@pytest.fixture
def hafenwerk(db) -> Client:
    return ClientFactory(code="hafenwerk", time_zone="Europe/Berlin")


@pytest.fixture
def manager(client, staff, hafenwerk, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 3
    client.force_login(staff.manager)
    return client


def import_in_background(manager, file, file_format, capture) -> tuple[ImportJob, str]:
    with capture(execute=True):
        response = manager.post(ORDER_IMPORT, {"import_file": file, "format": file_format, "resource": "0"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:importjobs_importjob_change", args=[job.pk])
    return job, manager.get(response.url).content.decode()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_file_over_the_inline_rows_is_imported_by_a_job(manager, django_capture_on_commit_callbacks, file_format):
    rows = order_rows(5)
    file = order_csv(rows) if file_format == CSV_FORMAT else upload(xlsx_bytes(rows), "orders.xlsx")

    job, page = import_in_background(manager, file, file_format, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and (job.rows_done, job.rows_total) == (5, 5)
    assert "Imported 5 orders (5 new, 0 updated, 0 unchanged), 5 lines (5 new, 0 updated, 0 unchanged)" in page
    assert Order.objects.count() == 5 and OrderLine.objects.count() == 5
    assert not job.file  # the upload names customers: deleted once the job ends


def test_a_file_within_the_inline_rows_keeps_the_preview(manager):
    response = manager.post(ORDER_IMPORT, {"import_file": order_csv(order_rows(3)), "format": CSV_FORMAT,
                                           "resource": "0"})

    assert response.status_code == 200 and response.context["confirm_form"] is not None
    assert not ImportJob.objects.exists()


def test_one_bad_row_and_the_job_applies_nothing_listing_the_problems_by_row(
    manager, django_capture_on_commit_callbacks
):
    rows = order_rows(5)
    rows[3]["quantity"] = "two"
    rows[4]["currency"] = "euro"

    job, page = import_in_background(manager, order_csv(rows), CSV_FORMAT, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert [(problem["row"], problem["column"]) for problem in job.problems] == [(5, "quantity"), (6, "currency")]
    assert "Nothing was imported: 2 problems" in page and "&#x27;two&#x27; is not a whole number" in page
    assert not Order.objects.exists()


def test_a_job_is_seen_by_the_one_who_started_it_only(manager, django_capture_on_commit_callbacks, client):
    job, _ = import_in_background(manager, order_csv(order_rows(4)), CSV_FORMAT, django_capture_on_commit_callbacks)
    client.force_login(Staff().manager)

    assert client.get(reverse("admin:importjobs_importjob_change", args=[job.pk])).status_code == 302
    assert client.get(reverse("admin:importjobs_importjob_changelist")).context["cl"].result_count == 0


def test_the_floor_sees_no_import_jobs(client, staff):
    client.force_login(staff.dock)

    assert client.get(reverse("admin:importjobs_importjob_changelist")).status_code == 403


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_client_and_its_orders_are_not_locked_while_the_rows_are_checked(postgres_only, hafenwerk):
    manager = Staff().manager
    rma_services.import_orders(columns=list(order_rows(1)[0]), rows=order_rows(1), actor=manager)
    locked_meanwhile = []

    def lock_client_and_order():
        with transaction.atomic():
            Client.objects.select_for_update(nowait=True).get(pk=hafenwerk.pk)  # raises if the import holds it
            Order.objects.select_for_update(nowait=True).get(number="HW-1")
            locked_meanwhile.append(True)

    rows = order_rows(4, unit_price="19.95")  # HW-1 changes, HW-2 to HW-4 are new
    report = rma_services.import_orders(
        columns=list(rows[0]), rows=rows, actor=manager,
        on_progress=lambda done, total: in_another_connection(lock_client_and_order),
    )

    assert locked_meanwhile and report.applied
    assert set(OrderLine.objects.values_list("unit_price", flat=True)) == {Decimal("19.95")}
    assert Order.objects.count() == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_what_changed_while_the_rows_were_checked_is_checked_again_when_applying(postgres_only, hafenwerk):
    manager = Staff().manager
    rows = order_rows(3)

    def same_file_imported_meanwhile():
        rma_services.import_orders(columns=list(rows[0]), rows=rows, actor=manager)

    report = rma_services.import_orders(
        columns=list(rows[0]), rows=rows, actor=manager,
        on_progress=lambda done, total: in_another_connection(same_file_imported_meanwhile),
    )

    # The orders the check found new were written meanwhile: applying sees them, and writes no duplicate.
    assert report.applied and [order.action for order in report.orders] == ["unchanged"] * 3
    assert Order.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_client_made_inactive_while_the_rows_were_checked_gets_nothing_applied(postgres_only, hafenwerk):
    rows = order_rows(2)

    def deactivate():
        Client.objects.filter(pk=hafenwerk.pk).update(is_active=False)

    report = rma_services.import_orders(
        columns=list(rows[0]), rows=rows, actor=Staff().manager,
        on_progress=lambda done, total: in_another_connection(deactivate),
    )

    assert not report.applied
    assert [str(problem) for problem in report.problems] == [
        "Row 2, column client_code: client 'hafenwerk' was made inactive meanwhile",
        "Row 3, column client_code: client 'hafenwerk' was made inactive meanwhile",
    ]
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_order_written_by_someone_else_while_applying_gets_nothing_applied(postgres_only, hafenwerk):
    rows = order_rows(3)
    inserted, writer_done = threading.Event(), []

    def enter_hw_2_and_commit_a_moment_later():
        with transaction.atomic():
            customer = Customer.objects.create(client=hafenwerk, email="someone@example.com")
            Order.objects.create(client=hafenwerk, number="HW-2", customer=customer, ordered_at=timezone.now(),
                                 payment_method="card")
            inserted.set()
            time.sleep(0.5)  # the import's apply meets the uncommitted order, and waits for it
        connections.close_all()
        writer_done.append(True)

    def start_writer(done, total):
        threading.Thread(target=enter_hw_2_and_commit_a_moment_later).start()
        inserted.wait(5)

    report = rma_services.import_orders(columns=list(rows[0]), rows=rows, actor=Staff().manager,
                                        on_progress=start_writer)

    assert writer_done and not report.applied
    assert [str(problem) for problem in report.problems] == [rma_services.orders.WRITTEN_MEANWHILE.message]
    assert list(Order.objects.values_list("number", flat=True)) == ["HW-2"]
