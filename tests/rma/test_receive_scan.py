"""receive_scan: every outcome of a dock scan; receive_expired: a manager's exception for an expired RAN."""

import threading

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


def test_mistyped_scan_looks_up_no_return(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typo = one_symbol_changed(rma.ran)

    with CaptureQueriesContext(connection) as queries:
        rma_services.receive_scan(code=typo, actor=staff.dock)

    assert [q["sql"] for q in queries.captured_queries if '"rma_returnrequest"' in q["sql"]] == []


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


def scan_at_once_from_two_docks(code: str) -> list[str]:
    """Two dock sessions scan `code` at the same moment, each on its own database connection."""
    docks = [user_in("dock").pk, user_in("dock").pk]
    start = threading.Barrier(len(docks))
    results: list[str] = []
    failures: list[BaseException] = []

    def scan(dock_pk: int) -> None:
        try:
            actor = User.objects.get(pk=dock_pk)
            start.wait(timeout=10)
            results.append(rma_services.receive_scan(code=code, actor=actor).result)
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

    assert sorted(results) == [ScanResult.DUPLICATE, ScanResult.RECEIVED]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_parcel_scanned_at_two_docks_at_once_writes_one_receive_event(postgres_only):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=Staff())

    scan_at_once_from_two_docks(rma.ran)

    assert rma.events.filter(action="receive").count() == 1
