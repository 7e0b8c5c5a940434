"""receive_scan: every outcome of a dock scan; receive_expired: a manager's exception for an expired RAN."""

import threading
import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import InvalidInput, PermissionRefused
from rma import services as rma_services
from rma.models import ParcelStatus, ReceivingScan, ReturnRequest, ReturnState, ScanResult, UnexpectedParcel
from tests.factories import (
    Staff,
    never_issued_ran,
    one_symbol_changed,
    return_in_state,
    user_in,
    with_ran_written,
)


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


# -- received --------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_scan_of_a_return_on_its_way_is_received(state, staff):
    rma = return_in_state(state, staff=staff)

    scan = rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.RECEIVED, rma)


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_received_scan_moves_the_return_to_received(state, staff):
    rma = return_in_state(state, staff=staff)

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert fresh(rma).state == ReturnState.RECEIVED
    assert fresh(rma).received_at is not None


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_received_scan_records_the_dock_on_the_receive_event(state, staff):
    rma = return_in_state(state, staff=staff)

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    event = rma.events.get(action="receive")
    assert (event.from_state, event.to_state, event.actor) == (state, ReturnState.RECEIVED, staff.dock)


def test_scan_typed_loosely_is_received_and_logged_as_scanned(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typed = rma.ran.lower().replace("-", " ")

    scan = rma_services.receive_scan(code=typed, actor=staff.dock)

    assert (scan.result, scan.code, scan.normalized_code) == (ScanResult.RECEIVED, typed, rma.ran)


# -- duplicate and wrong state ---------------------------------------------------------------------

ALREADY_RECEIVED = [
    ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.DISPOSITIONED, ReturnState.REFUNDED, ReturnState.CLOSED,
]


@pytest.mark.parametrize("state", ALREADY_RECEIVED)
def test_scan_of_a_return_already_received_or_further_is_a_duplicate(state, staff):
    rma = return_in_state(state, staff=staff)

    scan = rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.DUPLICATE, rma)


@pytest.mark.parametrize("state", ALREADY_RECEIVED)
def test_duplicate_scan_changes_nothing(state, staff):
    rma = return_in_state(state, staff=staff)
    events_before = rma.events.count()

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert (fresh(rma).state, rma.events.count()) == (state, events_before)


DEAD_ENDS = [ReturnState.EXPIRED, ReturnState.CANCELLED, ReturnState.REJECTED]


@pytest.mark.parametrize("state", DEAD_ENDS)
def test_scan_of_an_expired_cancelled_or_rejected_return_is_the_wrong_state(state, staff):
    rma = with_ran_written(return_in_state(state, staff=staff))

    scan = rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.WRONG_STATE, rma)


@pytest.mark.parametrize("state", DEAD_ENDS)
def test_wrong_state_scan_changes_nothing(state, staff):
    rma = with_ran_written(return_in_state(state, staff=staff))
    events_before = rma.events.count()

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    assert (fresh(rma).state, rma.events.count()) == (state, events_before)
    assert not UnexpectedParcel.objects.exists()


# -- mistyped --------------------------------------------------------------------------------------


def test_scan_with_one_symbol_changed_is_mistyped(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    scan = rma_services.receive_scan(code=one_symbol_changed(rma.ran), actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.MISTYPED, None)


def test_mistyped_scan_looks_up_no_ran_only_tracking_numbers(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typo = one_symbol_changed(rma.ran)

    with CaptureQueriesContext(connection) as queries:
        rma_services.receive_scan(code=typo, actor=staff.dock)

    assert [q["sql"] for q in queries.captured_queries if '"rma_returnrequest"."ran" =' in q["sql"]] == []


def test_mistyped_scan_changes_nothing_and_opens_no_parcel(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    events_before = rma.events.count()

    rma_services.receive_scan(code=one_symbol_changed(rma.ran), actor=staff.dock)

    assert (fresh(rma).state, rma.events.count()) == (ReturnState.AUTHORIZED, events_before)
    assert not UnexpectedParcel.objects.exists()


def test_mistyped_scan_is_still_logged_as_scanned_by_the_dock(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typo = one_symbol_changed(rma.ran)

    rma_services.receive_scan(code=typo, actor=staff.dock)

    assert list(ReceivingScan.objects.values_list("code", "result", "actor")) == [
        (typo, ScanResult.MISTYPED, staff.dock.pk)
    ]


# -- unknown ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["never issued", "1Z999AA10123456784"], ids=["unissued-ran", "carrier-barcode"])
def test_scan_of_an_unknown_code_opens_an_unexpected_parcel(code, staff):
    code = never_issued_ran() if code == "never issued" else code

    scan = rma_services.receive_scan(code=code, actor=staff.dock)

    assert scan.result == ScanResult.UNKNOWN
    parcel = UnexpectedParcel.objects.get(scan=scan)
    assert (parcel.code, parcel.status, parcel.return_request) == (code, ParcelStatus.OPEN, None)


# -- the carrier's tracking number -----------------------------------------------------------------

UPS = "1Z999AA10123456784"


def tracked(state: str, staff: Staff, tracking_number: str = UPS) -> ReturnRequest:
    """A return on its way whose parcel has `tracking_number`, as customer service records it."""
    rma = return_in_state(state, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="UPS",
                                     tracking_number=tracking_number)


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_the_carriers_tracking_number_receives_its_return_like_its_ran(state, staff):
    rma = tracked(state, staff)

    scan = rma_services.receive_scan(code=UPS, actor=staff.dock)

    assert (scan.result, scan.return_request, scan.code, scan.normalized_code) == (
        ScanResult.RECEIVED, rma, UPS, rma.ran
    )
    assert fresh(rma).state == ReturnState.RECEIVED
    event = rma.events.get(action="receive")
    assert (event.actor, event.details["code"]) == (staff.dock, UPS)
    assert not UnexpectedParcel.objects.exists()


@pytest.mark.parametrize(("recorded", "scanned"), [
    (UPS, UPS.lower()),
    (UPS, f"  {UPS}\t"),
    (UPS, "1Z 999 AA1 01 2345 6784"),
    ("1z 999 aa1 01 2345 6784", UPS),
])
def test_a_tracking_number_is_matched_whatever_its_case_and_spaces(recorded, scanned, staff):
    rma = tracked(ReturnState.IN_TRANSIT, staff, tracking_number=recorded)

    scan = rma_services.receive_scan(code=scanned, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.RECEIVED, rma)


def test_a_second_scan_of_the_tracking_number_is_a_duplicate(staff):
    rma = tracked(ReturnState.IN_TRANSIT, staff)
    rma_services.receive_scan(code=UPS, actor=staff.dock)

    scan = rma_services.receive_scan(code=UPS, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.DUPLICATE, rma)
    assert rma.events.filter(action="receive").count() == 1


def test_a_ran_shaped_tracking_number_with_a_wrong_check_symbol_is_read_as_tracking_not_mistyped(staff):
    code = one_symbol_changed(never_issued_ran()).replace("-", "")[2:]
    rma = tracked(ReturnState.IN_TRANSIT, staff, tracking_number=code)

    scan = rma_services.receive_scan(code=code, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.RECEIVED, rma)


def test_a_tracking_number_several_live_returns_share_is_ambiguous_and_changes_nothing(staff):
    first, second = tracked(ReturnState.IN_TRANSIT, staff), tracked(ReturnState.AUTHORIZED, staff)
    events_before = first.events.count() + second.events.count()

    scan = rma_services.receive_scan(code=UPS, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.AMBIGUOUS, None)
    assert first.ran in scan.note and second.ran in scan.note
    assert (fresh(first).state, fresh(second).state) == (ReturnState.IN_TRANSIT, ReturnState.AUTHORIZED)
    assert first.events.count() + second.events.count() == events_before
    assert not UnexpectedParcel.objects.exists()


def test_an_ended_return_does_not_compete_with_a_live_one_for_its_tracking_number(staff):
    cancelled = tracked(ReturnState.AUTHORIZED, staff)
    rma_services.cancel_return(rma=cancelled, actor=staff.customer_service, reason="Customer kept it")
    live = tracked(ReturnState.IN_TRANSIT, staff)

    scan = rma_services.receive_scan(code=UPS, actor=staff.dock)

    assert (scan.result, scan.return_request) == (ScanResult.RECEIVED, live)


def test_a_tracking_number_only_an_ended_return_has_opens_an_unexpected_parcel(staff):
    cancelled = tracked(ReturnState.AUTHORIZED, staff)
    rma_services.cancel_return(rma=cancelled, actor=staff.customer_service, reason="Customer kept it")

    scan = rma_services.receive_scan(code=UPS, actor=staff.dock)

    assert (scan.result, scan.unexpected_parcel.code) == (ScanResult.UNKNOWN, UPS)
    assert fresh(cancelled).state == ReturnState.CANCELLED


# -- the same scan sent again (the dock screen's retry) --------------------------------------------


def test_a_scan_sent_again_with_its_key_is_recorded_once(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    key = uuid.uuid4()

    first = rma_services.receive_scan(code=rma.ran, actor=staff.dock, idempotency_key=key)
    again = rma_services.receive_scan(code=rma.ran, actor=staff.dock, idempotency_key=str(key))

    assert (again.pk, again.result) == (first.pk, ScanResult.RECEIVED)
    assert ReceivingScan.objects.filter(return_request=rma).count() == 1
    assert rma.events.filter(action="receive").count() == 1


def test_an_unknown_parcel_sent_again_with_its_key_opens_one_parcel(staff):
    key = uuid.uuid4()

    first = rma_services.receive_scan(code=UPS, actor=staff.dock, idempotency_key=key)
    again = rma_services.receive_scan(code=UPS, actor=staff.dock, idempotency_key=key)

    assert again.pk == first.pk
    assert (ReceivingScan.objects.count(), UnexpectedParcel.objects.count()) == (1, 1)


def test_scans_without_a_key_are_each_recorded(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)

    results = [rma_services.receive_scan(code=rma.ran, actor=staff.dock).result for _ in range(2)]

    assert results == [ScanResult.RECEIVED, ScanResult.DUPLICATE]


@pytest.mark.parametrize("other", ["code", "dock"])
def test_a_key_sent_with_another_code_or_by_another_user_is_refused(other, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    key = uuid.uuid4()
    rma_services.receive_scan(code=UPS, actor=staff.dock, idempotency_key=key)
    code, actor = (rma.ran, staff.dock) if other == "code" else (UPS, user_in("dock"))

    with pytest.raises(InvalidInput, match="another scan"):
        rma_services.receive_scan(code=code, actor=actor, idempotency_key=key)

    assert ReceivingScan.objects.count() == 1 and fresh(rma).state == ReturnState.IN_TRANSIT


@pytest.mark.parametrize("key", ["not-a-uuid", "1" * 300])
def test_a_key_that_is_not_a_uuid_is_refused_and_not_logged(key, staff):
    with pytest.raises(InvalidInput, match="not a UUID"):
        rma_services.receive_scan(code=UPS, actor=staff.dock, idempotency_key=key)

    assert not ReceivingScan.objects.exists()


# -- empty -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "   ", None])
def test_empty_scan_is_refused_and_not_logged(code, staff):
    with pytest.raises(InvalidInput):
        rma_services.receive_scan(code=code, actor=staff.dock)

    assert not ReceivingScan.objects.exists()


def test_a_scan_longer_than_any_code_is_refused_and_not_logged(staff):
    with pytest.raises(InvalidInput, match="too long"):
        rma_services.receive_scan(code="1" * 201, actor=staff.dock)

    assert not ReceivingScan.objects.exists()


# -- receive an expired RAN ------------------------------------------------------------------------


def test_manager_receives_an_expired_return_with_a_reason(staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)

    rma_services.receive_expired(rma=rma, actor=staff.manager, reason="Carrier lost it for a week")

    assert fresh(rma).state == ReturnState.RECEIVED


def test_receipt_of_an_expired_return_records_the_manager_and_reason(staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)

    rma_services.receive_expired(rma=rma, actor=staff.manager, reason="Carrier lost it for a week")

    event = rma.events.get(action="receive_expired")
    assert (event.from_state, event.to_state, event.actor, event.note) == (
        ReturnState.EXPIRED, ReturnState.RECEIVED, staff.manager, "Carrier lost it for a week"
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_receipt_of_an_expired_return_without_a_reason_is_refused(reason, staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)
    events_before = rma.events.count()

    with pytest.raises(InvalidInput):
        rma_services.receive_expired(rma=rma, actor=staff.manager, reason=reason)

    assert (fresh(rma).state, rma.events.count()) == (ReturnState.EXPIRED, events_before)


def test_dock_cannot_receive_an_expired_return(staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)
    events_before = rma.events.count()

    with pytest.raises(PermissionRefused):
        rma_services.receive_expired(rma=rma, actor=staff.dock, reason="It is here now")

    assert (fresh(rma).state, rma.events.count()) == (ReturnState.EXPIRED, events_before)


# -- two docks, one parcel -------------------------------------------------------------------------


def scan_at_once_from_two_docks(code: str, *, one_dock_retrying: bool = False) -> list[ReceivingScan]:
    """Two dock sessions scan `code` at the same moment, each on its own database connection; or, with
    `one_dock_retrying`, one dock's page sends the same scan (one key) twice at once."""
    dock = user_in("dock").pk
    docks = [dock, dock] if one_dock_retrying else [dock, user_in("dock").pk]
    key = uuid.uuid4() if one_dock_retrying else None
    start = threading.Barrier(len(docks))
    results: list[ReceivingScan] = []
    failures: list[BaseException] = []

    def scan(dock_pk: int) -> None:
        try:
            actor = User.objects.get(pk=dock_pk)
            start.wait(timeout=10)
            results.append(rma_services.receive_scan(code=code, actor=actor, idempotency_key=key))
        except BaseException as failure:  # reported by the test, not lost in the thread
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(pk,)) for pk in docks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_parcel_scanned_at_two_docks_at_once_is_received_once(postgres_only):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=Staff())

    results = scan_at_once_from_two_docks(rma.ran)

    assert sorted(scan.result for scan in results) == [ScanResult.DUPLICATE, ScanResult.RECEIVED]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_parcel_scanned_at_two_docks_at_once_writes_one_receive_event(postgres_only):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=Staff())

    scan_at_once_from_two_docks(rma.ran)

    assert rma.events.filter(action="receive").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_scan_sent_twice_at_once_with_one_key_is_recorded_once(postgres_only):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=Staff())

    results = scan_at_once_from_two_docks(rma.ran, one_dock_retrying=True)

    assert [scan.result for scan in results] == [ScanResult.RECEIVED, ScanResult.RECEIVED]
    assert results[0].pk == results[1].pk
    assert ReceivingScan.objects.filter(return_request=rma).count() == 1
    assert rma.events.filter(action="receive").count() == 1
