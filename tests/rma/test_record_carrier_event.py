"""record_carrier_event: every outcome of one carrier scan, how its return is found, and recording it twice.

Who may call it (customer service and managers) is in tests/rma/test_permissions.py.
"""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from core.errors import InvalidInput
from rma import services as rma_services
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnEvent, ReturnRequest, ReturnState
from rma.tracking import PARCEL_MOVING
from tests.factories import Staff, return_in_state, user_in

SCANNED_AT = dt.datetime(2026, 11, 20, 9, 15, tzinfo=dt.UTC)


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def with_tracking(rma: ReturnRequest, tracking_number: str, carrier: str = "DHL") -> ReturnRequest:
    """The given return with this parcel; set directly, since set_tracking refuses most states."""
    ReturnRequest.objects.filter(pk=rma.pk).update(carrier=carrier, tracking_number=tracking_number)
    return fresh(rma)


def labelled_return(staff: Staff, tracking_number: str = "JJD0001", carrier: str = "DHL") -> ReturnRequest:
    """An authorized return whose prepaid label's tracking number is known; the parcel has not moved."""
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return rma_services.set_tracking(
        rma=rma, actor=staff.customer_service, carrier=carrier, tracking_number=tracking_number
    )


def record(staff: Staff, tracking_number: str = "JJD0001", event: str = "picked_up", **fields) -> CarrierEvent:
    fields.setdefault("occurred_at", SCANNED_AT)
    fields.setdefault("actor", staff.customer_service)
    return rma_services.record_carrier_event(tracking_number=tracking_number, event=event, **fields)


# -- applied ---------------------------------------------------------------------------------------


def test_a_pickup_scan_of_an_authorized_return_marks_it_in_transit(staff):
    rma = labelled_return(staff)

    carrier_event = record(staff)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.APPLIED, rma)
    assert fresh(rma).state == ReturnState.IN_TRANSIT


@pytest.mark.parametrize("event", sorted(PARCEL_MOVING))
def test_every_event_showing_the_parcel_moving_applies(event, staff):
    rma = labelled_return(staff)

    assert record(staff, event=event).outcome == CarrierEventOutcome.APPLIED
    assert fresh(rma).state == ReturnState.IN_TRANSIT


@pytest.mark.parametrize("wording", ["Picked up", "PICKED-UP", "  picked_up "])
def test_the_carriers_wording_is_normalized_before_it_is_read(wording, staff):
    labelled_return(staff)

    carrier_event = record(staff, event=wording)

    assert (carrier_event.event, carrier_event.outcome) == ("picked_up", CarrierEventOutcome.APPLIED)


def test_the_tracking_number_is_found_trimmed_and_in_any_case(staff):
    rma = labelled_return(staff, tracking_number="1Z999aa10123456784")

    carrier_event = record(staff, tracking_number="  1Z999AA10123456784 ")

    assert carrier_event.return_request == rma
    assert carrier_event.tracking_number == "1Z999AA10123456784"


def test_the_ship_event_is_written_by_mark_in_transit_and_names_the_scan(staff):
    rma = labelled_return(staff)

    record(staff, carrier="DHL", description="Leipzig hub")

    ship = fresh(rma).events.get(action="ship")
    assert (ship.from_state, ship.to_state, ship.actor) == (ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT,
                                                            staff.customer_service)
    assert ship.note == "DHL picked_up 2026-11-20 09:15 UTC: Leipzig hub"
    assert not rma.events.filter(action="carrier_event").exists()


def test_the_returns_own_carrier_is_kept_over_the_events(staff):
    rma = labelled_return(staff, carrier="DHL Paket")

    record(staff, carrier="DHL")

    assert fresh(rma).carrier == "DHL Paket"


def test_the_events_carrier_is_taken_when_the_return_has_none(staff):
    rma = with_tracking(return_in_state(ReturnState.AUTHORIZED, staff=staff), "JJD0001", carrier="")

    record(staff, carrier="DHL")

    assert (fresh(rma).state, fresh(rma).carrier) == (ReturnState.IN_TRANSIT, "DHL")


# -- recorded --------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [
    ReturnState.IN_TRANSIT, ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.DISPOSITIONED,
    ReturnState.REFUNDED, ReturnState.CLOSED,
])
def test_a_moving_event_on_a_return_already_shipped_is_recorded_on_it(state, staff):
    rma = with_tracking(return_in_state(state, staff=staff), "JJD0001")

    carrier_event = record(staff, event="delivered")

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.RECORDED, rma)
    assert fresh(rma).state == state
    event = rma.events.get(action="carrier_event")
    assert (event.from_state, event.to_state) == (state, state)
    assert event.details == {"carrier_event": carrier_event.pk, "outcome": "recorded"}


@pytest.mark.parametrize("event", ["exception", "Delivery attempted", "label_created", "returned_to_sender",
                                   "Zollabfertigung"])
def test_an_event_that_does_not_show_the_parcel_moving_is_recorded_and_moves_nothing(event, staff):
    rma = labelled_return(staff)

    carrier_event = record(staff, event=event)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.RECORDED, rma)
    assert "does not move a return" in carrier_event.message
    assert fresh(rma).state == ReturnState.AUTHORIZED
    assert rma.events.filter(action="carrier_event").count() == 1


# -- refused ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.CANCELLED, ReturnState.REJECTED, ReturnState.EXPIRED])
def test_a_moving_parcel_of_a_dead_return_is_refused_kept_and_flagged_for_the_dock(state, staff):
    rma = with_tracking(return_in_state(state, staff=staff), "JJD0001")

    carrier_event = record(staff)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.REFUSED, rma)
    assert f"is {state}" in carrier_event.message and "expect it at the dock" in carrier_event.message
    assert fresh(rma).state == state
    assert rma.events.get(action="carrier_event").details["outcome"] == "refused"


def test_two_live_returns_with_the_tracking_number_are_never_guessed_between(staff):
    first, second = labelled_return(staff), labelled_return(staff, tracking_number="jjd0001")

    carrier_event = record(staff)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.REFUSED, None)
    assert "is on 2 returns" in carrier_event.message
    assert first.ran in carrier_event.message and second.ran in carrier_event.message
    assert {fresh(first).state, fresh(second).state} == {ReturnState.AUTHORIZED}
    assert not ReturnEvent.objects.filter(action__in=["carrier_event", "ship"]).exists()


def test_two_ended_returns_with_the_tracking_number_and_no_live_one_are_not_guessed_between(staff):
    for state in (ReturnState.CANCELLED, ReturnState.REFUNDED):
        with_tracking(return_in_state(state, staff=staff), "JJD0001")

    carrier_event = record(staff)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.REFUSED, None)


def test_a_live_return_wins_over_an_ended_one_with_a_reused_tracking_number(staff):
    with_tracking(return_in_state(ReturnState.CANCELLED, staff=staff), "JJD0001")
    live = labelled_return(staff)

    carrier_event = record(staff)

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.APPLIED, live)


# -- unknown tracking ------------------------------------------------------------------------------


def test_a_tracking_number_no_return_has_is_reported_and_changes_nothing(staff):
    labelled_return(staff, tracking_number="JJD0001")
    events = ReturnEvent.objects.count()

    carrier_event = record(staff, tracking_number="JJD9999")

    assert (carrier_event.outcome, carrier_event.return_request) == (CarrierEventOutcome.UNKNOWN_TRACKING, None)
    assert "No return has tracking number JJD9999" in carrier_event.message
    assert ReturnEvent.objects.count() == events


def test_every_outcome_is_stored_with_who_imported_it(staff):
    carrier_event = record(staff, tracking_number="JJD9999", carrier=" DHL ", description=" Leipzig hub ",
                           actor=staff.manager)

    stored = CarrierEvent.objects.get(pk=carrier_event.pk)
    assert (stored.tracking_number, stored.carrier, stored.description) == ("JJD9999", "DHL", "Leipzig hub")
    assert (stored.occurred_at, stored.imported_by) == (SCANNED_AT, staff.manager)
    assert stored.imported_at is not None


# -- recording the same event again ----------------------------------------------------------------


def test_the_same_event_recorded_twice_is_stored_once_and_applied_once(staff):
    rma = labelled_return(staff)

    first = record(staff)
    again = record(staff, tracking_number="jjd0001", event="Picked up")

    assert again.pk == first.pk and again.outcome == CarrierEventOutcome.APPLIED
    assert CarrierEvent.objects.count() == 1
    assert rma.events.filter(action__in=["ship", "carrier_event"]).count() == 1


def test_the_same_event_at_another_time_is_a_new_event(staff):
    labelled_return(staff)
    record(staff)

    later = record(staff, occurred_at=SCANNED_AT + dt.timedelta(hours=3))

    assert later.outcome == CarrierEventOutcome.RECORDED
    assert CarrierEvent.objects.count() == 2


def test_the_same_time_given_in_another_zone_is_the_same_event(staff):
    labelled_return(staff)
    first = record(staff)

    again = record(staff, occurred_at=SCANNED_AT.astimezone(dt.timezone(dt.timedelta(hours=1))))

    assert again.pk == first.pk


def test_an_unknown_event_is_looked_up_again_and_applied_once_the_tracking_is_set(staff):
    unknown = record(staff, tracking_number="JJD0001")
    rma = labelled_return(staff, tracking_number="JJD0001")

    again = record(staff, tracking_number="JJD0001", actor=staff.manager)

    assert again.pk == unknown.pk and CarrierEvent.objects.count() == 1
    assert (again.outcome, again.return_request, again.imported_by) == (CarrierEventOutcome.APPLIED, rma,
                                                                        staff.manager)
    assert fresh(rma).state == ReturnState.IN_TRANSIT


def test_an_unknown_event_still_unknown_is_left_as_it_was(staff):
    unknown = record(staff, tracking_number="JJD0001")

    again = record(staff, tracking_number="JJD0001", actor=staff.manager)

    stored = CarrierEvent.objects.get()
    assert again.pk == unknown.pk
    assert (stored.imported_by, stored.imported_at) == (staff.customer_service, unknown.imported_at)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "message"), [
    ({"tracking_number": "  "}, "Give the tracking number"),
    ({"event": ""}, "Give the event"),
    ({"tracking_number": "9" * 101}, "tracking number is longer than 100"),
    ({"event": "e" * 61}, "event is longer than 60"),
    ({"carrier": "c" * 61}, "carrier is longer than 60"),
    ({"description": "d" * 301}, "description is longer than 300"),
    ({"occurred_at": dt.datetime(2026, 11, 20, 9, 15)}, "with its time zone"),
    ({"occurred_at": None}, "with its time zone"),
    ({"occurred_at": "2026-11-20T09:15:00Z"}, "with its time zone"),
])
def test_bad_input_is_refused_and_nothing_is_recorded(fields, message, staff):
    rma = labelled_return(staff)

    with pytest.raises(InvalidInput, match=message):
        record(staff, **fields)

    assert not CarrierEvent.objects.exists()
    assert fresh(rma).state == ReturnState.AUTHORIZED


# -- two imports of the same file at once ----------------------------------------------------------


def record_at_once_from_two_sessions(tracking_number: str) -> list[str]:
    """Two people import the same carrier event at the same moment, each on its own database connection."""
    importers = [user_in("customer_service").pk, user_in("manager").pk]
    start = threading.Barrier(len(importers))
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def import_event(importer_pk: int) -> None:
        try:
            actor = User.objects.get(pk=importer_pk)
            start.wait(timeout=10)
            outcomes.append(rma_services.record_carrier_event(
                tracking_number=tracking_number, event="picked_up", occurred_at=SCANNED_AT, actor=actor
            ).outcome)
        except BaseException as failure:  # reported by the test, not lost in the thread
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=import_event, args=(pk,)) for pk in importers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_imported_twice_at_once_is_recorded_and_applied_once(postgres_only):
    rma = labelled_return(Staff())

    outcomes = record_at_once_from_two_sessions(rma.tracking_number)

    assert outcomes == [CarrierEventOutcome.APPLIED] * 2
    assert CarrierEvent.objects.count() == 1
    assert fresh(rma).events.filter(action="ship").count() == 1
