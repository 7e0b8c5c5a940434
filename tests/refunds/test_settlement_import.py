"""Importing a client's settlement confirmations: each row completes its refund, all or nothing, once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.actors import StaffActor
from core.errors import PermissionRefused
from refunds import services, settlement
from refunds.models import Refund, RefundStatus
from rma.models import ReturnEvent, ReturnEventType, ReturnState
from tests.factories import client_with_policy, never_issued_ran, one_symbol_changed, order_for, return_in_state
from tests.refunds.settlement_data import approved_exchange, owed_refund, refund_for


def today(client) -> str:
    return timezone.localdate(timezone=client.zone).isoformat()


def row(refund: Refund | None = None, **cells) -> dict:
    """One row as a CSV gives it: every cell text."""
    cells.setdefault("refund_id", str(refund.pk) if refund else "")
    cells.setdefault("reference", f"PAY-{refund.pk}" if refund else "PAY-X")
    cells.setdefault("date_paid", today(refund.return_request.client) if refund else "2026-11-30")
    return cells


def import_rows(client, rows: list[dict], actor, *, dry_run: bool = False) -> settlement.SettlementImportReport:
    columns = list(dict.fromkeys(column for cells in rows for column in cells))
    rows = [{column: cells.get(column, "") for column in columns} for cells in rows]
    return settlement.import_settlement_confirmations(
        client=client, columns=columns, rows=rows, actor=actor, dry_run=dry_run, file_name="confirmations.csv",
    )


def fresh(refund: Refund) -> Refund:
    return Refund.objects.select_related("return_request").get(pk=refund.pk)


@pytest.fixture
def shop(db):
    return client_with_policy(auto_authorize=False)


@pytest.fixture
def owed(shop, staff) -> list[Refund]:
    return [owed_refund(shop, staff), owed_refund(shop, staff)]


def problems_of(report) -> list[tuple[int | None, str]]:
    return [(problem.row, problem.column) for problem in report.problems]


def test_a_good_file_completes_every_refund_and_ends_their_returns(shop, owed, staff):
    by_id, by_ran = owed
    rows = [row(by_id), row(by_ran, refund_id="", ran=by_ran.return_request.ran.replace("-", " ").lower())]

    report = import_rows(shop, rows, staff.finance)

    assert report.applied and report.summary == "2 refunds settled, 0 already settled"
    for refund in owed:
        refund = fresh(refund)
        assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, f"PAY-{refund.pk}")
        assert refund.return_request.state == ReturnState.REFUNDED
        event = refund.return_request.events.get(action=ReturnEventType.REFUND)
        assert event.system_job == "settlement_import"
        assert event.details["paid_on"] == today(shop) and event.details["imported_by"] == staff.finance.pk
        assert event.details["settlement_file"] == "confirmations.csv"


def test_an_exchange_is_completed_with_the_replacement_orders_number_by_id_or_by_ran(staff):
    shop = client_with_policy(auto_authorize=False, refund_methods=["original_payment", "exchange"])
    by_id, by_ran = approved_exchange(staff, shop), approved_exchange(staff, shop, sku="KE-CAP")
    rows = [row(by_id, reference="SHOP-R-1001"), row(by_ran, refund_id="", ran=by_ran.return_request.ran,
                                                       reference="SHOP-R-1002")]

    report = import_rows(shop, rows, staff.finance)

    assert report.applied and report.summary == "2 refunds settled, 0 already settled"
    for refund, number in ((by_id, "SHOP-R-1001"), (by_ran, "SHOP-R-1002")):
        refund = fresh(refund)
        assert (refund.status, refund.external_reference) == (RefundStatus.ISSUED, number)
        assert refund.return_request.state == ReturnState.REFUNDED
        event = refund.return_request.events.get(action=ReturnEventType.REFUND)
        assert (event.details["method"], event.details["reference"]) == ("exchange", number)


def test_the_dry_run_lists_what_each_row_will_do_and_changes_nothing(shop, owed, staff):
    settled = services.issue_refund(refund=owed[1], actor=staff.finance, reference="PAY-DONE")
    events = ReturnEvent.objects.count()

    report = import_rows(shop, [row(owed[0]), row(settled, reference="PAY-DONE")], staff.finance, dry_run=True)

    assert not report.problems and not report.applied
    assert [(c.row, c.refund.pk, c.action) for c in report.confirmations] == [
        (2, owed[0].pk, settlement.SETTLE), (3, settled.pk, settlement.ALREADY_SETTLED)]
    assert report.summary == "1 refund to settle, 1 already settled"
    assert fresh(owed[0]).status == RefundStatus.APPROVED and ReturnEvent.objects.count() == events


def test_importing_the_same_file_again_changes_nothing(shop, owed, staff):
    rows = [row(refund) for refund in owed]
    import_rows(shop, rows, staff.finance)
    events = ReturnEvent.objects.count()

    again = import_rows(shop, rows, staff.finance)

    assert again.applied and again.summary == "0 refunds settled, 2 already settled"
    assert ReturnEvent.objects.count() == events


@pytest.mark.parametrize(("cells", "column", "message"), [
    ({"refund_id": "999999"}, "refund_id", "no refund has the id 999999"),
    ({"refund_id": "12a"}, "refund_id", "'12a' is not a refund id (a whole number)"),
    ({"reference": ""}, "reference", "required, but empty"),
    ({"reference": "P" * 201}, "reference", "longer than 200 characters"),
    ({"date_paid": "30/11/2026"}, "date_paid", "'30/11/2026' is not a date: write it as ISO 8601, e.g. 2026-11-30"),
    ({"date_paid": ""}, "date_paid", "required, but empty"),
    ({"date_paid": "2999-01-01"}, "date_paid", "2999-01-01 is in the future"),
    ({"date_paid": "2000-01-01"}, "date_paid", "2000-01-01 is before refund"),
    ({"amount": "49.99"}, "amount", "49.99 is not refund"),
    ({"amount": "fifty"}, "amount", "'fifty' is not a number"),
    ({"currency": "USD"}, "currency", "is in EUR, not USD"),
])
def test_a_bad_cell_applies_nothing_and_is_named_by_row_and_column(shop, owed, staff, cells, column, message):
    good, bad = owed

    report = import_rows(shop, [row(good), row(bad, **cells)], staff.finance)

    assert not report.applied and problems_of(report) == [(3, column)]
    assert message in report.problems[0].message
    assert fresh(good).status == RefundStatus.APPROVED and fresh(bad).status == RefundStatus.APPROVED


def test_unknown_or_mistyped_rans_are_named(shop, owed, staff):
    ran = owed[1].return_request.ran
    rows = [row(owed[0]), row(refund_id="", ran=never_issued_ran()), row(refund_id="", ran=one_symbol_changed(ran))]

    report = import_rows(shop, rows, staff.finance)

    assert problems_of(report) == [(3, "ran"), (4, "ran")]
    assert report.problems[0].message.startswith("no return has the RAN")
    assert "check symbol is wrong" in report.problems[1].message
    assert fresh(owed[0]).status == RefundStatus.APPROVED


def test_another_clients_refund_or_return_is_refused(shop, owed, staff):
    theirs = owed_refund(client_with_policy(auto_authorize=False), staff)
    rows = [row(owed[0]), row(theirs), row(refund_id="", ran=theirs.return_request.ran, reference="PAY-T")]

    report = import_rows(shop, rows, staff.finance)

    assert problems_of(report) == [(3, "refund_id"), (4, "ran")]
    assert all("another client's" in problem.message for problem in report.problems)
    assert fresh(theirs).status == RefundStatus.APPROVED and fresh(owed[0]).status == RefundStatus.APPROVED


def test_a_refund_issued_with_another_reference_is_refused(shop, owed, staff):
    services.issue_refund(refund=owed[1], actor=staff.finance, reference="PSP-EARLIER")

    report = import_rows(shop, [row(owed[0]), row(owed[1], reference="PAY-NEW")], staff.finance)

    assert problems_of(report) == [(3, "reference")]
    assert "already issued with reference 'PSP-EARLIER', not 'PAY-NEW'" in report.problems[0].message
    assert fresh(owed[1]).external_reference == "PSP-EARLIER"


def test_refunds_not_approved_or_not_to_the_original_payment_are_refused(shop, owed, staff):
    pending = refund_for(shop, staff)
    denied = services.deny_refund(refund=refund_for(shop, staff), actor=staff.finance, reason="Worn")
    credit = return_in_state(ReturnState.DISPOSITIONED, staff=staff, client=shop, order=order_for(shop, quantity=1),
                             units=1, refund_method="store_credit").refunds.get()

    report = import_rows(shop, [row(owed[0]), row(pending), row(denied), row(credit)], staff.finance)

    assert problems_of(report) == [(3, "refund_id"), (4, "refund_id"), (5, "refund_id")]
    assert "pending approval: only approved refunds are settled" in report.problems[0].message
    assert "denied" in report.problems[1].message
    assert "paid as store credit, not to the original payment method or as an exchange" in report.problems[2].message


def test_a_refund_twice_in_the_file_and_a_ran_disagreeing_with_its_id_are_refused(shop, owed, staff):
    rows = [row(owed[0]), row(owed[0]), row(owed[1], ran=owed[0].return_request.ran)]

    report = import_rows(shop, rows, staff.finance)

    assert problems_of(report) == [(3, "refund_id"), (4, "ran")]
    assert report.problems[0].message == f"refund {owed[0].pk} is already on row 2"


def test_a_row_naming_no_refund_is_refused_and_blank_rows_are_skipped(shop, owed, staff):
    report = import_rows(shop, [row(owed[0]), {"refund_id": "", "reference": "", "date_paid": ""},
                                row(refund_id="", reference="PAY-1")], staff.finance)

    assert problems_of(report) == [(4, "refund_id")]


def test_the_header_is_checked_before_any_row(shop, owed, staff):
    rows = [{"refund": str(owed[0].pk), "reference": "PAY-1", "order_number": "ignored"}]

    report = import_rows(shop, rows, staff.finance)

    assert problems_of(report) == [(1, "refund"), (1, "date_paid"), (1, "refund_id")]


def test_the_settlement_files_own_columns_may_stay_in_the_confirmation(shop, owed, staff):
    [refund_row] = settlement.settlement_rows(client=shop, actor=staff.finance)[:1]
    cells = {column: str(value) for column, value in zip(settlement.SETTLEMENT_COLUMNS, refund_row, strict=True)}

    report = import_rows(shop, [{**cells, "reference": "PAY-7", "date_paid": today(shop)}], staff.finance)

    assert report.applied and fresh(owed[0]).external_reference == "PAY-7"


def test_spreadsheet_cells_are_read_as_they_are(shop, owed, staff):
    paid = timezone.localdate(timezone=shop.zone)
    cells = {"refund_id": float(owed[0].pk), "reference": "PAY-1", "date_paid": dt.datetime.combine(paid, dt.time())}

    report = import_rows(shop, [cells], staff.finance)

    assert report.applied


def test_a_file_over_the_row_limit_is_refused_whole(shop, owed, staff):
    rows = [row(owed[0])] * (settlement.MOST_ROWS + 1)

    report = import_rows(shop, rows, staff.finance)

    assert [problem.row for problem in report.problems] == [None]
    assert "1,001 rows; a confirmation file holds at most 1,000" in str(report.problems[0])
    assert fresh(owed[0]).status == RefundStatus.APPROVED


@pytest.mark.parametrize("group", ["dock", "inspector", "customer_service"])
def test_only_finance_and_managers_import_confirmations(shop, owed, staff, group):
    with pytest.raises(PermissionRefused):
        import_rows(shop, [row(owed[0])], StaffActor(user=getattr(staff, group)))

    assert fresh(owed[0]).status == RefundStatus.APPROVED


def test_a_manager_imports_them_too(shop, owed, staff):
    assert import_rows(shop, [row(owed[0])], staff.manager).applied


def test_a_file_naming_refunds_by_ran_imported_again_changes_nothing(shop, owed, staff):
    rows = [row(refund, refund_id="", ran=refund.return_request.ran) for refund in owed]
    import_rows(shop, rows, staff.finance)

    again = import_rows(shop, rows, staff.finance)

    assert again.applied and again.summary == "0 refunds settled, 2 already settled"


def test_a_ran_of_a_return_paid_as_store_credit_is_refused(shop, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, client=shop, order=order_for(shop, quantity=1),
                          units=1, refund_method="store_credit")

    report = import_rows(shop, [row(refund_id="", ran=rma.ran)], staff.finance)

    assert problems_of(report) == [(2, "ran")]
    assert "has no refund to the original payment method or exchange" in report.problems[0].message


def test_the_preview_reads_the_file_in_the_same_few_queries_however_long_it_is(shop, staff):
    refunds = [owed_refund(shop, staff) for _ in range(6)]
    by_id_and_ran = [row(refund, ran=refund.return_request.ran) for refund in refunds]

    with CaptureQueriesContext(connection) as short:
        import_rows(shop, by_id_and_ran[:2], staff.finance, dry_run=True)
    with CaptureQueriesContext(connection) as long:
        import_rows(shop, by_id_and_ran, staff.finance, dry_run=True)

    assert len(long) == len(short)
