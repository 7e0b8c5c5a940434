"""import_carrier_events: a carrier's whole tracking file, checked holding no lock, then recorded all or nothing.

What one scan does to its return is record_carrier_event's (test_record_carrier_event); the admin's
Import page is test_tracking_import, the background job tests/importjobs/test_carrier_import_job.
"""

import datetime as dt

import pytest
from django.db import transaction

from core.errors import PermissionRefused
from rma import services as rma_services
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnEvent, ReturnRequest, ReturnState
from rma.tracking_import import ALREADY_IMPORTED, LOOKED_UP_AGAIN, NEW, PROGRESS_EVERY
from tests.factories import Staff, return_in_state
from tests.importjobs.connections import in_another_connection

COLUMNS = ["tracking_number", "event", "time", "carrier", "description"]


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def labelled_return(staff: Staff, tracking_number: str, carrier: str = "DHL") -> ReturnRequest:
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier=carrier,
                                     tracking_number=tracking_number)


def scan(tracking_number: str, event: str = "picked_up", time: str = "2026-11-20T10:15:00+01:00", **cells) -> dict:
    return {"tracking_number": tracking_number, "event": event, "time": time, "carrier": "DHL", "description": "",
            **cells}


def import_file(staff: Staff, rows: list[dict], **options):
    options.setdefault("actor", staff.customer_service)
    return rma_services.import_carrier_events(columns=list(rows[0]) if rows else COLUMNS, rows=rows, **options)


def snapshot() -> tuple:
    return (
        CarrierEvent.objects.count(), ReturnEvent.objects.count(),
        sorted(ReturnRequest.objects.values_list("pk", "state", "carrier", "tracking_number")),
    )


def outcomes(report) -> list[tuple[str, str, str]]:
    return [(row.action, row.record.tracking_number, row.record.outcome) for row in report.scans]


@pytest.fixture
def floor(staff):
    cancelled = return_in_state(ReturnState.CANCELLED, staff=staff)
    ReturnRequest.objects.filter(pk=cancelled.pk).update(carrier="DHL", tracking_number="JJD0003")
    return {"authorized": labelled_return(staff, "JJD0001"), "cancelled": fresh(cancelled)}


FILE = [scan("JJD0001"), scan("jjd0001", "delivered", "2026-11-21T09:00:00Z"), scan("JJD9999"), scan("JJD0003")]


def test_a_file_is_recorded_row_by_row_by_the_rules_of_one_scan(staff, floor):
    report = import_file(staff, FILE)

    assert report.applied and not report.problems
    assert outcomes(report) == [
        (NEW, "JJD0001", CarrierEventOutcome.APPLIED),
        (NEW, "jjd0001", CarrierEventOutcome.RECORDED),  # the return is in transit since the row above
        (NEW, "JJD9999", CarrierEventOutcome.UNKNOWN_TRACKING),
        (NEW, "JJD0003", CarrierEventOutcome.REFUSED),
    ]
    assert fresh(floor["authorized"]).state == ReturnState.IN_TRANSIT
    assert fresh(floor["cancelled"]).state == ReturnState.CANCELLED
    assert report.summary == "4 carrier events: 1 applied, 1 recorded, 1 refused, 1 unknown tracking number"


def test_every_change_is_on_the_returns_trail_with_the_importer(staff, floor):
    earlier = ReturnEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    import_file(staff, FILE, actor=staff.manager)

    trail = ReturnEvent.objects.filter(pk__gt=earlier)
    assert sorted(trail.values_list("action", flat=True)) == ["carrier_event", "carrier_event", "ship"]
    assert set(trail.values_list("actor", flat=True)) == {staff.manager.pk}
    assert set(CarrierEvent.objects.values_list("imported_by", flat=True)) == {staff.manager.pk}


def test_a_dry_run_foresees_every_outcome_and_changes_nothing(staff, floor):
    before = snapshot()

    report = import_file(staff, FILE, dry_run=True)

    assert not report.applied and not report.problems
    assert [outcome for *_, outcome in outcomes(report)] == ["applied", "recorded", "unknown_tracking", "refused"]
    assert "No return has tracking number JJD9999" in report.scans[2].record.message
    assert snapshot() == before


def test_one_bad_row_refuses_the_whole_file_and_changes_nothing(staff, floor):
    before = snapshot()
    rows = [*FILE, scan("", "in_transit"), scan("JJD0001", time="yesterday noon"), scan("JJD0001", "x" * 61)]

    report = import_file(staff, rows)

    assert not report.applied
    assert [(problem.row, problem.column) for problem in report.problems] == [(6, "tracking_number"), (7, "time"),
                                                                            (8, "event")]
    assert str(report.problems[1]) == (
        "Row 7, column time: 'yesterday noon' is not a time: write it as ISO 8601, e.g. 2026-11-20T10:15:00+01:00."
    )
    assert snapshot() == before


def test_a_return_that_needs_the_rows_carrier_and_gets_none_refuses_the_file(staff, floor):
    ReturnRequest.objects.filter(pk=floor["authorized"].pk).update(carrier="")
    before = snapshot()

    report = import_file(staff, [scan("JJD0001", carrier="")])

    assert [(problem.row, problem.column) for problem in report.problems] == [(2, "carrier")]
    assert snapshot() == before


def test_a_file_without_a_required_column_is_refused_on_its_header(staff, floor):
    report = import_file(staff, [{"tracking_number": "JJD0001", "event": "picked_up", "depot": "Leipzig"}])

    assert [str(problem) for problem in report.problems] == [
        "Row 1, column time: this required column is missing"
    ]


def test_unknown_tracking_numbers_are_recorded_and_reported_not_guessed(staff, floor):
    report = import_file(staff, [scan("JJD9999"), scan("JJD9998")])

    unknown = [row.record for row in report.scans if row.record.outcome == CarrierEventOutcome.UNKNOWN_TRACKING]
    assert [event.tracking_number for event in unknown] == ["JJD9999", "JJD9998"]
    assert all(event.pk and event.return_request is None for event in unknown)
    assert fresh(floor["authorized"]).state == ReturnState.AUTHORIZED


def test_importing_the_same_file_twice_changes_nothing(staff, floor):
    import_file(staff, FILE)
    before = snapshot()

    again = import_file(staff, FILE)

    assert snapshot() == before
    assert [row.action for row in again.scans] == [ALREADY_IMPORTED, ALREADY_IMPORTED, LOOKED_UP_AGAIN,
                                                   ALREADY_IMPORTED]
    assert again.summary == "4 carrier events: 3 already imported, 1 unknown tracking number"


def test_a_scan_twice_in_one_file_is_recorded_once(staff, floor):
    report = import_file(staff, [scan("JJD0001"), scan("jjd0001 ")])

    assert [row.action for row in report.scans] == [NEW, ALREADY_IMPORTED]
    assert CarrierEvent.objects.count() == 1


def test_importing_again_once_the_tracking_number_is_set_applies_the_unknown_scan(staff, floor):
    import_file(staff, [scan("JJD9999")])
    late = labelled_return(staff, "JJD9999")

    report = import_file(staff, [scan("JJD9999")])

    assert outcomes(report) == [(LOOKED_UP_AGAIN, "JJD9999", CarrierEventOutcome.APPLIED)]
    assert fresh(late).state == ReturnState.IN_TRANSIT
    assert CarrierEvent.objects.count() == 1


def test_progress_is_reported_while_the_rows_are_checked(staff, floor):
    heard = []
    rows = [scan("JJD9999", time=f"2026-11-20T10:{minute % 60:02d}:{minute // 60:02d}Z")
            for minute in range(PROGRESS_EVERY + 5)]

    import_file(staff, rows, on_progress=lambda done, total: heard.append((done, total)))

    assert heard == [(PROGRESS_EVERY, PROGRESS_EVERY + 5), (PROGRESS_EVERY + 5, PROGRESS_EVERY + 5)]


def test_only_who_may_import_tracking_may_import_a_file(staff, floor):
    before = snapshot()

    with pytest.raises(PermissionRefused):
        import_file(staff, FILE, actor=staff.dock)

    assert snapshot() == before


# -- no lock while checking; what changed meanwhile is checked again -------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_return_is_locked_while_the_rows_are_checked(postgres_only):
    staff = Staff()
    rma = labelled_return(staff, "JJD0001")
    locked_meanwhile = []

    def lock_the_return():
        with transaction.atomic():
            ReturnRequest.objects.select_for_update(nowait=True).get(pk=rma.pk)  # raises if the import holds it
            locked_meanwhile.append(True)

    report = import_file(staff, [scan("JJD0001")],
                         on_progress=lambda done, total: in_another_connection(lock_the_return))

    assert locked_meanwhile and report.applied
    assert fresh(rma).state == ReturnState.IN_TRANSIT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_return_cancelled_while_the_rows_were_checked_is_refused_when_applying(postgres_only):
    staff = Staff()
    rma = labelled_return(staff, "JJD0001")

    def cancel():
        rma_services.cancel_return(rma=rma, actor=staff.customer_service, reason="Customer kept it")

    report = import_file(staff, [scan("JJD0001")], on_progress=lambda done, total: in_another_connection(cancel))

    assert outcomes(report) == [(NEW, "JJD0001", CarrierEventOutcome.REFUSED)]
    assert fresh(rma).state == ReturnState.CANCELLED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_imported_meanwhile_is_recorded_once(postgres_only):
    staff = Staff()
    rma = labelled_return(staff, "JJD0001")
    rows = [scan("JJD0001"), scan("JJD9999")]

    report = import_file(staff, rows, on_progress=lambda done, total: in_another_connection(
        lambda: import_file(staff, rows)
    ))

    assert [row.action for row in report.scans] == [ALREADY_IMPORTED, LOOKED_UP_AGAIN]
    assert CarrierEvent.objects.count() == 2
    assert fresh(rma).events.filter(action="ship").count() == 1


def test_times_keep_their_offset_and_without_one_are_utc(staff, floor):
    import_file(staff, [scan("JJD9999"), scan("JJD9998", time="2026-11-20 12:30:00"),
                        scan("JJD9997", time=dt.datetime(2026, 11, 20, 8, 0))])

    assert dict(CarrierEvent.objects.values_list("tracking_number", "occurred_at")) == {
        "JJD9999": dt.datetime(2026, 11, 20, 9, 15, tzinfo=dt.UTC),
        "JJD9998": dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC),
        "JJD9997": dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
    }
