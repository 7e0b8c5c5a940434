"""A large settlement confirmation file: checked and settled by a worker while finance watches the job's
page; all or nothing, every problem listed by row; no lock held while the rows are checked, and what
changed meanwhile checked again when applying."""

import pytest
from django.db import transaction
from django.urls import reverse

from importjobs.models import ImportJob, ImportStatus
from refunds import services, settlement
from refunds.models import Refund, RefundStatus
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import Staff, client_with_policy
from tests.importjobs.test_order_import_job import in_another_connection
from tests.refunds.settlement_data import owed_refund
from tests.refunds.test_settlement_import_admin import CSV_FORMAT, IMPORT_URL, confirmation_rows, csv_upload


@pytest.fixture
def shop(db):
    return client_with_policy(auto_authorize=False)


@pytest.fixture
def finance(client, staff, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 3
    client.force_login(staff.finance)
    return client


@pytest.fixture
def owed(shop, staff) -> list[Refund]:
    return [owed_refund(shop, staff) for _ in range(5)]


def import_in_background(finance, shop, rows, capture) -> tuple[ImportJob, str]:
    with capture(execute=True):
        response = finance.post(IMPORT_URL, {"client": shop.pk, "import_file": csv_upload(rows),
                                             "format": CSV_FORMAT, "resource": "0"})
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("admin:importjobs_importjob_change", args=[job.pk])
    job.refresh_from_db()
    return job, finance.get(response.url).content.decode()


def statuses(refunds: list[Refund]) -> list[str]:
    return [Refund.objects.get(pk=refund.pk).status for refund in refunds]


def test_a_file_over_the_inline_rows_is_settled_by_a_job_of_the_client_picked(
    finance, shop, owed, django_capture_on_commit_callbacks
):
    job, page = import_in_background(finance, shop, confirmation_rows(owed), django_capture_on_commit_callbacks)

    assert (job.kind, job.options["client_id"]) == ("settlement", shop.pk)
    assert job.status == ImportStatus.DONE and (job.rows_done, job.rows_total) == (5, 5)
    assert f"Imported confirmations of {shop}: 5 refunds settled, 0 already settled." in page
    assert statuses(owed) == [RefundStatus.ISSUED] * 5
    assert set(ReturnRequest.objects.values_list("state", flat=True)) == {ReturnState.REFUNDED}
    event = owed[0].return_request.events.get(action="refund")
    assert (event.system_job, event.details["settlement_file"]) == ("settlement_import", "confirmations.csv")
    assert not job.file


def test_a_file_within_the_inline_rows_keeps_the_preview(finance, shop, owed):
    response = finance.post(IMPORT_URL, {"client": shop.pk, "import_file": csv_upload(confirmation_rows(owed[:3])),
                                         "format": CSV_FORMAT, "resource": "0"})

    assert response.status_code == 200 and response.context["confirm_form"] is not None
    assert not ImportJob.objects.exists()


def test_a_file_over_the_settlements_own_inline_rows_is_a_job_too(
    finance, shop, owed, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_ROWS = 2000
    monkeypatch.setattr(settlement, "INLINE_MOST_ROWS", 4)  # completing refunds one by one is slow: fewer inline

    job, _ = import_in_background(finance, shop, confirmation_rows(owed), django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.DONE and statuses(owed) == [RefundStatus.ISSUED] * 5


def test_one_bad_row_refuses_the_whole_file_and_changes_nothing(
    finance, shop, owed, django_capture_on_commit_callbacks
):
    rows = confirmation_rows(owed)
    rows[3]["date_paid"] = "tomorrow"
    events = ReturnEvent.objects.count()

    job, page = import_in_background(finance, shop, rows, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.REFUSED
    assert [(problem["row"], problem["column"]) for problem in job.problems] == [(5, "date_paid")]
    assert "Nothing was imported: 1 problem" in page and "&#x27;tomorrow&#x27; is not a date" in page
    assert statuses(owed) == [RefundStatus.APPROVED] * 5 and ReturnEvent.objects.count() == events


def test_another_clients_refund_is_refused_for_the_client_picked(
    finance, shop, owed, staff, django_capture_on_commit_callbacks
):
    theirs = owed_refund(client_with_policy(auto_authorize=False), staff)

    job, _ = import_in_background(finance, shop, confirmation_rows([*owed[:3], theirs]),
                                  django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.REFUSED and [problem["row"] for problem in job.problems] == [5]
    assert "another client's" in job.problems[0]["message"]
    assert statuses([*owed[:3], theirs]) == [RefundStatus.APPROVED] * 4


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    finance, shop, owed, django_capture_on_commit_callbacks
):
    rows = confirmation_rows(owed)
    import_in_background(finance, shop, rows, django_capture_on_commit_callbacks)
    events = ReturnEvent.objects.count()

    again, page = import_in_background(finance, shop, rows, django_capture_on_commit_callbacks)

    assert again.status == ImportStatus.DONE
    assert f"Imported confirmations of {shop}: 0 refunds settled, 5 already settled." in page
    assert ReturnEvent.objects.count() == events


def test_a_refund_paid_between_check_and_apply_is_reported_and_nothing_is_applied(shop, owed, staff):
    rows = confirmation_rows(owed)

    def paid_by_phone_meanwhile(done, total):
        if done == total:
            services.issue_refund(refund=owed[2], actor=staff.finance, reference="PSP-BY-PHONE")

    report = settlement.import_settlement_confirmations(
        client=shop, columns=list(rows[0]), rows=rows, actor=staff.finance, on_progress=paid_by_phone_meanwhile,
    )

    assert not report.applied
    assert [str(problem) for problem in report.problems] == [
        f"Row 4, column reference: refund {owed[2].pk} was already issued with reference 'PSP-BY-PHONE', "
        f"not 'PAY-{owed[2].pk}'"
    ]
    assert statuses(owed) == [RefundStatus.APPROVED] * 2 + [RefundStatus.ISSUED] + [RefundStatus.APPROVED] * 2


def test_a_refund_switched_to_store_credit_between_check_and_apply_is_reported(shop, owed, staff):
    rows = confirmation_rows(owed)

    def switched_meanwhile(done, total):
        if done == total:
            services.switch_refund_to_store_credit(refund=owed[0], actor=staff.customer_service,
                                                   consent="Agreed on the phone")

    report = settlement.import_settlement_confirmations(
        client=shop, columns=list(rows[0]), rows=rows, actor=staff.finance, on_progress=switched_meanwhile,
    )

    assert [(problem.row, problem.column) for problem in report.problems] == [(2, "refund_id")]
    assert "paid as store credit" in report.problems[0].message
    assert statuses(owed[1:]) == [RefundStatus.APPROVED] * 4


def test_a_refund_settled_meanwhile_with_the_files_own_reference_is_already_settled(shop, owed, staff):
    rows = confirmation_rows(owed)

    def same_payout_confirmed_meanwhile(done, total):
        if done == total:
            # the same file, imported meanwhile by someone else
            services.complete_refund(refund=owed[1], actor=settlement.SETTLEMENT_IMPORT, reference=f"PAY-{owed[1].pk}")

    report = settlement.import_settlement_confirmations(
        client=shop, columns=list(rows[0]), rows=rows, actor=staff.finance,
        on_progress=same_payout_confirmed_meanwhile,
    )

    assert report.applied and report.summary == "4 refunds settled, 1 already settled"
    assert statuses(owed) == [RefundStatus.ISSUED] * 5


def test_checking_reports_its_progress(shop, owed, staff, monkeypatch):
    monkeypatch.setattr(settlement, "PROGRESS_EVERY", 2)
    rows = confirmation_rows(owed)
    heard = []

    settlement.import_settlement_confirmations(
        client=shop, columns=list(rows[0]), rows=rows, actor=staff.finance, dry_run=True,
        on_progress=lambda done, total: heard.append((done, total)),
    )

    assert heard == [(2, 5), (4, 5), (5, 5)]


def test_finance_sees_its_own_import_jobs(finance, shop, owed, django_capture_on_commit_callbacks):
    job, _ = import_in_background(finance, shop, confirmation_rows(owed), django_capture_on_commit_callbacks)

    listed = finance.get(reverse("admin:importjobs_importjob_changelist"))

    assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [job]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_returns_and_refunds_are_not_locked_while_the_rows_are_checked(postgres_only):
    shop, staff = client_with_policy(auto_authorize=False), Staff()
    owed = [owed_refund(shop, staff) for _ in range(3)]
    rows = confirmation_rows(owed)
    locked_meanwhile = []

    def lock_return_and_refund():
        with transaction.atomic():
            # raises if the import holds them
            ReturnRequest.objects.select_for_update(nowait=True).get(pk=owed[0].return_request_id)
            Refund.objects.select_for_update(nowait=True).get(pk=owed[0].pk)
            locked_meanwhile.append(True)

    report = settlement.import_settlement_confirmations(
        client=shop, columns=list(rows[0]), rows=rows, actor=staff.finance,
        on_progress=lambda done, total: in_another_connection(lock_return_and_refund),
    )

    assert locked_meanwhile and report.applied
    assert statuses(owed) == [RefundStatus.ISSUED] * 3
