"""receive_scan at a site: every scan records where it happened, and a parcel routed to another site is
received all the same, its scan flagged for forwarding."""

import pytest

from rma import services as rma_services
from rma.models import ParcelStatus, ReturnRequest, ReturnState, ScanResult, UnexpectedParcel
from tests.factories import WarehouseFactory, assigned, never_issued_ran, one_symbol_changed, return_in_state


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


@pytest.fixture
def on_its_way(staff) -> ReturnRequest:
    return return_in_state(ReturnState.IN_TRANSIT, staff=staff)


# -- where the scan happened -----------------------------------------------------------------------


def test_a_scan_records_the_dock_users_site(staff, on_its_way):
    dock = assigned(staff.dock, on_its_way.warehouse)

    scan = rma_services.receive_scan(code=on_its_way.ran, actor=dock)

    assert (scan.result, scan.warehouse, scan.wrong_site) == (ScanResult.RECEIVED, on_its_way.warehouse, False)
    assert scan.note == ""


def test_a_site_passed_explicitly_is_where_the_scan_happened(staff, on_its_way):
    assigned(staff.dock, WarehouseFactory())

    scan = rma_services.receive_scan(code=on_its_way.ran, actor=staff.dock, warehouse=on_its_way.warehouse)

    assert (scan.warehouse, scan.wrong_site) == (on_its_way.warehouse, False)


def test_a_dock_user_with_no_site_scans_for_the_whole_facility(staff, on_its_way):
    scan = rma_services.receive_scan(code=on_its_way.ran, actor=staff.dock)

    assert (scan.result, scan.warehouse, scan.wrong_site) == (ScanResult.RECEIVED, None, False)


@pytest.mark.parametrize("code", ["mistyped", "unknown"])
def test_scans_that_name_no_return_record_the_site_too(staff, on_its_way, code):
    site = WarehouseFactory()
    code = one_symbol_changed(on_its_way.ran) if code == "mistyped" else never_issued_ran()

    scan = rma_services.receive_scan(code=code, actor=assigned(staff.dock, site))

    assert (scan.warehouse, scan.wrong_site) == (site, False)


def test_an_unexpected_parcel_is_held_at_the_site_that_scanned_it(staff):
    site = WarehouseFactory()

    scan = rma_services.receive_scan(code="JJD000111222333", actor=assigned(staff.dock, site))

    assert UnexpectedParcel.objects.get(scan=scan).warehouse == site


def test_the_receive_event_records_the_site(staff, on_its_way):
    rma_services.receive_scan(code=on_its_way.ran, actor=assigned(staff.dock, on_its_way.warehouse))

    details = on_its_way.events.get(action="receive").details
    assert details == {
        "code": on_its_way.ran, "warehouse": on_its_way.warehouse.pk, "warehouse_code": on_its_way.warehouse.code,
        "wrong_site": False,
    }


# -- the wrong site --------------------------------------------------------------------------------


def test_a_parcel_at_a_site_it_was_not_routed_to_is_received_and_flagged(staff, on_its_way):
    elsewhere = WarehouseFactory()

    scan = rma_services.receive_scan(code=on_its_way.ran, actor=assigned(staff.dock, elsewhere))

    assert (scan.result, scan.warehouse, scan.wrong_site) == (ScanResult.RECEIVED, elsewhere, True)
    assert scan.note == f"Routed to {on_its_way.warehouse}: forward the parcel there."
    assert fresh(on_its_way).state == ReturnState.RECEIVED
    assert fresh(on_its_way).warehouse == on_its_way.warehouse  # still going where it was routed


def test_the_receive_event_says_the_site_was_wrong(staff, on_its_way):
    elsewhere = WarehouseFactory()

    rma_services.receive_scan(code=on_its_way.ran, actor=assigned(staff.dock, elsewhere))

    details = on_its_way.events.get(action="receive").details
    assert (details["warehouse"], details["wrong_site"]) == (elsewhere.pk, True)


def test_a_second_scan_at_the_wrong_site_is_a_duplicate_still_flagged(staff, on_its_way):
    dock = assigned(staff.dock, WarehouseFactory())
    rma_services.receive_scan(code=on_its_way.ran, actor=dock)

    scan = rma_services.receive_scan(code=on_its_way.ran, actor=dock)

    assert (scan.result, scan.wrong_site) == (ScanResult.DUPLICATE, True)


def test_the_forwarded_parcel_scanned_at_its_own_site_is_a_duplicate_and_not_flagged(staff, on_its_way):
    rma_services.receive_scan(code=on_its_way.ran, actor=assigned(staff.dock, WarehouseFactory()))

    scan = rma_services.receive_scan(code=on_its_way.ran, actor=staff.manager, warehouse=on_its_way.warehouse)

    assert (scan.result, scan.wrong_site) == (ScanResult.DUPLICATE, False)


# -- an unexpected parcel taken in -----------------------------------------------------------------


def test_an_unexpected_parcel_matched_to_a_return_routed_elsewhere_is_received_at_its_site(staff, on_its_way):
    elsewhere = WarehouseFactory()
    scan = rma_services.receive_scan(code="JJD000111222333", actor=assigned(staff.dock, elsewhere))

    rma_services.resolve_unexpected_parcel(
        parcel=scan.unexpected_parcel, actor=staff.customer_service, resolution=ParcelStatus.MATCHED, rma=on_its_way,
    )

    details = on_its_way.events.get(action="receive").details
    assert (details["warehouse"], details["wrong_site"]) == (elsewhere.pk, True)
