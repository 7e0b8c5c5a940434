"""set_tracking: carrier and tracking number recorded or corrected without a transition.

Who may call it (customer service, managers, a client's own account) is in tests/rma/test_permissions.py.
"""

import pytest

from core.errors import InvalidInput, TransitionRefused
from rma import services as rma_services
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import client_account, return_in_state


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def tracking_of(rma: ReturnRequest) -> tuple[str, str]:
    rma = fresh(rma)
    return rma.carrier, rma.tracking_number


def test_a_prepaid_labels_tracking_is_recorded_and_the_return_stays_authorized(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD0001")

    assert tracking_of(rma) == ("DHL", "JJD0001")
    assert fresh(rma).state == ReturnState.AUTHORIZED and fresh(rma).in_transit_at is None


def test_a_return_in_transit_gets_its_tracking_corrected_and_stays_in_transit(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)

    rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="UPS", tracking_number="1Z999AA1")

    assert tracking_of(rma) == ("UPS", "1Z999AA1")
    assert fresh(rma).state == ReturnState.IN_TRANSIT


def test_the_event_keeps_the_old_and_the_new_values_and_is_no_transition(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)

    rma_services.set_tracking(rma=rma, actor=staff.manager, carrier="UPS", tracking_number="1Z999AA1")

    event = rma.events.get(action="set_tracking")
    assert (event.from_state, event.to_state, event.actor) == (ReturnState.IN_TRANSIT, ReturnState.IN_TRANSIT,
                                                               staff.manager)
    assert event.details == {
        "old": {"carrier": "DHL", "tracking_number": "JJD1"},
        "new": {"carrier": "UPS", "tracking_number": "1Z999AA1"},
    }
    assert event.note == "UPS 1Z999AA1 (was DHL JJD1)"


def test_a_client_account_sets_tracking_through_the_api_channel(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.set_tracking(rma=rma, actor=client_account(rma.client), carrier="DHL", tracking_number="JJD0001")

    assert rma.events.get(action="set_tracking").channel == "api"


def test_carrier_and_tracking_are_trimmed(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="  DHL ", tracking_number=" JJD0001\t")

    assert tracking_of(rma) == ("DHL", "JJD0001")


def test_the_same_values_again_change_nothing_and_write_no_event(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    events = ReturnEvent.objects.count()

    rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD1")

    assert ReturnEvent.objects.count() == events
    assert tracking_of(rma) == ("DHL", "JJD1")


@pytest.mark.parametrize("state", [
    ReturnState.REQUESTED, ReturnState.REJECTED, ReturnState.CANCELLED, ReturnState.EXPIRED, ReturnState.RECEIVED,
    ReturnState.INSPECTED, ReturnState.REFUNDED, ReturnState.CLOSED,
])
def test_tracking_cannot_be_set_before_authorization_or_after_the_parcel_arrived(state, staff):
    rma = return_in_state(state, staff=staff)
    before, events = tracking_of(rma), ReturnEvent.objects.count()

    with pytest.raises(TransitionRefused, match="only while it is authorized or in transit"):
        rma_services.set_tracking(rma=rma, actor=staff.manager, carrier="UPS", tracking_number="1Z999AA1")

    assert tracking_of(rma) == before and ReturnEvent.objects.count() == events


@pytest.mark.parametrize(("carrier", "tracking_number", "message"), [
    ("", "JJD0001", "Give the carrier"),
    ("DHL", "", "Give the tracking number"),
    ("   ", "JJD0001", "Give the carrier"),
    ("DHL", " \t ", "Give the tracking number"),
    ("D" * 61, "JJD0001", "carrier is longer than 60 characters"),
    ("DHL", "9" * 101, "tracking number is longer than 100 characters"),
])
def test_blank_or_too_long_input_is_refused_and_changes_nothing(carrier, tracking_number, message, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    events = ReturnEvent.objects.count()

    with pytest.raises(InvalidInput, match=message):
        rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier=carrier,
                                  tracking_number=tracking_number)

    assert tracking_of(rma) == ("", "") and ReturnEvent.objects.count() == events


def test_mark_in_transit_refuses_a_tracking_number_too_long_for_its_column(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    with pytest.raises(InvalidInput, match="longer than 100"):
        rma_services.mark_in_transit(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="9" * 101)

    assert fresh(rma).state == ReturnState.AUTHORIZED
