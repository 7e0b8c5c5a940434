"""Unexpected parcels: the dock notes and photographs them, customer service resolves each one once."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import ParcelStatus, ReturnRequest, ReturnState, UnexpectedParcel
from tests.factories import client_with_policy, order_for, requested_return, return_in_state

CARRIER_CODE = "JJD014600006837452911"


def png(name: str = "parcel.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "brown").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("parcel.png", b"%PDF-1.4 not a picture", content_type="image/png")


def unexpected_parcel(staff, code: str = CARRIER_CODE) -> UnexpectedParcel:
    return rma_services.receive_scan(code=code, actor=staff.dock).unexpected_parcel


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# -- the dock's note and photo ---------------------------------------------------------------------


def test_dock_notes_and_photographs_an_unexpected_parcel(staff):
    parcel = unexpected_parcel(staff)

    rma_services.annotate_unexpected_parcel(
        parcel=parcel, actor=staff.dock, note="  DHL box, no label inside, two shirts  ", photo=png()
    )

    parcel = fresh(parcel)
    assert parcel.dock_note == "DHL box, no label inside, two shirts"
    assert parcel.photo.name.startswith("parcels/") and parcel.photo.name.endswith(".png")
    assert parcel.status == ParcelStatus.OPEN


def test_a_photo_alone_keeps_the_earlier_note(staff):
    parcel = unexpected_parcel(staff)
    rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, note="Sender: M. Weber")

    rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, photo=png())

    parcel = fresh(parcel)
    assert parcel.dock_note == "Sender: M. Weber" and parcel.photo


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(staff):
    parcel = unexpected_parcel(staff)

    with pytest.raises(InvalidInput, match="not a readable image"):
        rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, note="Box", photo=not_an_image())

    parcel = fresh(parcel)
    assert (parcel.dock_note, parcel.photo.name) == ("", "")


@pytest.mark.parametrize("note", ["", "   "])
def test_a_note_or_a_photo_is_needed(staff, note):
    with pytest.raises(InvalidInput):
        rma_services.annotate_unexpected_parcel(parcel=unexpected_parcel(staff), actor=staff.dock, note=note)


@pytest.mark.parametrize("group", ["customer_service", "inspector", "finance"])
def test_only_the_dock_and_managers_note_parcels(staff, group):
    parcel = unexpected_parcel(staff)

    with pytest.raises(PermissionRefused):
        rma_services.annotate_unexpected_parcel(parcel=parcel, actor=getattr(staff, group), note="Box")

    assert fresh(parcel).dock_note == ""


def test_a_resolved_parcel_takes_no_more_notes(staff):
    parcel = unexpected_parcel(staff)
    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="refused", note="Not ours"
    )

    with pytest.raises(DomainError, match="already resolved"):
        rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, note="Late note")


# -- matched to an existing return -----------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_matching_a_return_on_its_way_receives_it_through_the_transition(staff, state):
    rma = return_in_state(state, staff=staff)
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="matched", rma=rma, note="Label torn off"
    )

    assert fresh(rma).state == ReturnState.RECEIVED
    event = rma.events.get(action="receive")
    assert (event.from_state, event.actor, event.note) == (state, staff.customer_service, "Label torn off")
    assert event.details == {"unexpected_parcel": parcel.pk, "code": CARRIER_CODE, "resolution": "matched"}


def test_matching_records_who_resolved_it_when_and_the_return(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="matched", rma=rma, note="Label torn off"
    )

    parcel = fresh(parcel)
    assert (parcel.status, parcel.return_request, parcel.resolved_by, parcel.resolution_note) == (
        ParcelStatus.MATCHED, rma, staff.customer_service, "Label torn off"
    )
    assert parcel.resolved_at is not None


@pytest.mark.parametrize("state", [ReturnState.RECEIVED, ReturnState.INSPECTED])
def test_matching_a_return_received_already_only_links_it(staff, state):
    rma = return_in_state(state, staff=staff)
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.customer_service, resolution="matched", rma=rma)

    assert fresh(rma).state == state
    assert fresh(parcel).return_request == rma
    event = rma.events.get(action="unexpected_parcel_matched")
    assert (event.actor, event.details["unexpected_parcel"]) == (staff.customer_service, parcel.pk)


@pytest.mark.parametrize(("state", "advice"), [
    (ReturnState.REQUESTED, "authorize it first"),
    (ReturnState.EXPIRED, "a manager may receive it despite the expired RAN"),
    (ReturnState.CANCELLED, "refuse the parcel instead"),
])
def test_a_return_that_may_not_be_received_is_not_matched(staff, state, advice):
    rma = return_in_state(state, staff=staff)
    parcel = unexpected_parcel(staff)
    events = rma.events.count()

    with pytest.raises(TransitionRefused, match=advice):
        rma_services.resolve_unexpected_parcel(
            parcel=parcel, actor=staff.customer_service, resolution="matched", rma=rma
        )

    assert (fresh(rma).state, rma.events.count(), fresh(parcel).status) == (state, events, ParcelStatus.OPEN)


def test_matching_needs_a_return(staff):
    with pytest.raises(InvalidInput, match="Name the return"):
        rma_services.resolve_unexpected_parcel(
            parcel=unexpected_parcel(staff), actor=staff.customer_service, resolution="matched"
        )


# -- a return created for it -----------------------------------------------------------------------


def test_a_return_created_for_the_parcel_is_received_and_the_parcel_converted(staff):
    parcel = unexpected_parcel(staff)
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="converted", rma=rma, note="Customer called"
    )

    assert fresh(parcel).status == ParcelStatus.CONVERTED
    assert fresh(rma).state == ReturnState.RECEIVED
    assert rma.events.get(action="receive").details["resolution"] == "converted"


def test_a_return_older_than_the_parcel_is_matched_not_converted(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    parcel = unexpected_parcel(staff)

    with pytest.raises(InvalidInput, match="match it instead"):
        rma_services.resolve_unexpected_parcel(
            parcel=parcel, actor=staff.customer_service, resolution="converted", rma=rma
        )

    assert fresh(rma).state == ReturnState.AUTHORIZED


# -- refused ---------------------------------------------------------------------------------------


def test_a_refused_parcel_records_why_and_touches_no_return(staff):
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="refused", note="Not a client of ours; back to DHL"
    )

    parcel = fresh(parcel)
    assert (parcel.status, parcel.return_request, parcel.resolution_note) == (
        ParcelStatus.REFUSED, None, "Not a client of ours; back to DHL"
    )


def test_a_refused_parcel_of_a_cancelled_return_is_on_its_timeline(staff):
    rma = return_in_state(ReturnState.CANCELLED, staff=staff)
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(
        parcel=parcel, actor=staff.customer_service, resolution="refused", rma=rma, note="Cancelled; back to sender"
    )

    assert fresh(rma).state == ReturnState.CANCELLED
    assert rma.events.get(action="unexpected_parcel_refused").note == "Cancelled; back to sender"


@pytest.mark.parametrize("note", ["", "  "])
def test_refusing_needs_a_note(staff, note):
    with pytest.raises(InvalidInput, match="why the parcel is refused"):
        rma_services.resolve_unexpected_parcel(
            parcel=unexpected_parcel(staff), actor=staff.customer_service, resolution="refused", note=note
        )


def test_an_unknown_resolution_is_refused(staff):
    with pytest.raises(InvalidInput):
        rma_services.resolve_unexpected_parcel(
            parcel=unexpected_parcel(staff), actor=staff.customer_service, resolution="open", note="x"
        )


# -- once, and by whom -----------------------------------------------------------------------------


def test_a_parcel_is_resolved_only_once(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    parcel = unexpected_parcel(staff)
    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.customer_service, resolution="refused",
                                           note="Back to sender")

    with pytest.raises(DomainError, match="already resolved") as refused:
        rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.manager, resolution="matched", rma=rma)

    assert refused.value.code == "already_resolved"
    assert (fresh(parcel).status, fresh(parcel).resolved_by) == (ParcelStatus.REFUSED, staff.customer_service)
    assert fresh(rma).state == ReturnState.AUTHORIZED


@pytest.mark.parametrize("group", ["customer_service", "manager"])
def test_customer_service_and_managers_resolve_parcels(staff, group):
    parcel = unexpected_parcel(staff)

    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=getattr(staff, group), resolution="refused",
                                           note="Back to sender")

    assert fresh(parcel).status == ParcelStatus.REFUSED


@pytest.mark.parametrize("group", ["dock", "inspector", "finance"])
def test_other_groups_cannot_resolve_parcels(staff, group):
    parcel = unexpected_parcel(staff)

    with pytest.raises(PermissionRefused):
        rma_services.resolve_unexpected_parcel(parcel=parcel, actor=getattr(staff, group), resolution="refused",
                                               note="Back to sender")

    assert fresh(parcel).status == ParcelStatus.OPEN


# -- finding the return --------------------------------------------------------------------------


def test_a_return_is_found_by_its_ran_however_typed_or_by_its_order_number(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    other = requested_return(staff=staff)

    assert rma_selectors.returns_for_reference(reference=rma.ran.lower().replace("-", " ")) == [rma]
    assert rma_selectors.returns_for_reference(reference=f" {other.order.number.lower()} ") == [other]
    assert rma_selectors.returns_for_reference(reference="no such order") == []
    assert ReturnRequest.objects.count() == 2


def tracked(state: str, staff, tracking_number: str = CARRIER_CODE) -> ReturnRequest:
    rma = return_in_state(state, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL",
                                     tracking_number=tracking_number)


def test_a_return_is_found_by_its_tracking_number_however_typed(staff):
    rma = tracked(ReturnState.AUTHORIZED, staff, tracking_number="JJD 0146 0000 6837 452911")

    assert rma_selectors.returns_for_reference(reference=f" {CARRIER_CODE.lower()} ") == [rma]


def test_a_live_return_wins_its_tracking_number_over_an_ended_one(staff):
    cancelled = tracked(ReturnState.AUTHORIZED, staff)
    rma_services.cancel_return(rma=cancelled, actor=staff.customer_service, reason="Customer kept it")
    live = tracked(ReturnState.IN_TRANSIT, staff)

    assert rma_selectors.returns_for_reference(reference=CARRIER_CODE) == [live]


def test_a_parcel_is_matched_by_the_tracking_number_recorded_after_it_was_scanned(staff):
    parcel = unexpected_parcel(staff)
    rma = tracked(ReturnState.AUTHORIZED, staff)
    (found,) = rma_selectors.returns_for_reference(reference=parcel.code)

    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.customer_service, resolution="matched",
                                           rma=found)

    assert (fresh(parcel).status, fresh(parcel).return_request) == (ParcelStatus.MATCHED, rma)
    assert fresh(rma).state == ReturnState.RECEIVED


# -- the queue customer service works through ------------------------------------------------------

QUEUE = reverse("admin:rma_unexpectedparcel_changelist")


def page_of(parcel: UnexpectedParcel) -> str:
    return reverse("admin:rma_unexpectedparcel_change", args=[parcel.pk])


def resolve_url(parcel: UnexpectedParcel) -> str:
    return reverse("admin:rma_unexpectedparcel_resolve", args=[parcel.pk])


def test_the_queue_shows_open_parcels_first_and_the_oldest_first(client, staff):
    first = unexpected_parcel(staff, "PARCEL-1")
    unexpected_parcel(staff, "PARCEL-2")
    unexpected_parcel(staff, "PARCEL-3")
    rma_services.resolve_unexpected_parcel(parcel=first, actor=staff.customer_service, resolution="refused",
                                           note="Back to sender")
    client.force_login(staff.customer_service)

    rows = client.get(QUEUE).context["cl"].result_list

    assert [parcel.code for parcel in rows] == ["PARCEL-2", "PARCEL-3", "PARCEL-1"]


def test_the_queue_shows_when_and_by_whom_it_was_scanned_the_dock_note_and_the_photo(client, staff):
    parcel = unexpected_parcel(staff)
    rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, note="Two shirts, no label",
                                            photo=png())
    client.force_login(staff.customer_service)

    page = client.get(QUEUE).content.decode()

    assert CARRIER_CODE in page and staff.dock.username in page and "Two shirts, no label" in page
    assert f'src="{fresh(parcel).photo.url}"' in page


def test_customer_service_matches_a_parcel_by_order_number_from_its_page(client, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    parcel = unexpected_parcel(staff)
    client.force_login(staff.customer_service)

    assert client.get(page_of(parcel)).context["resolve_form"] is not None
    response = client.post(resolve_url(parcel), {"resolution": "matched", "reference": rma.order.number,
                                                 "note": "Order number on the packing slip"}, follow=True)

    assert response.redirect_chain[-1][0] == page_of(parcel)
    assert fresh(parcel).status == ParcelStatus.MATCHED and fresh(rma).state == ReturnState.RECEIVED
    assert "matched" in response.content.decode()


def test_customer_service_sees_and_matches_a_parcel_by_its_tracking_number_from_its_page(client, staff):
    parcel = unexpected_parcel(staff)
    rma = tracked(ReturnState.IN_TRANSIT, staff)
    client.force_login(staff.customer_service)

    assert f"{rma.ran} (in transit)" in client.get(page_of(parcel)).content.decode()
    client.post(resolve_url(parcel), {"resolution": "matched", "reference": CARRIER_CODE.lower(), "note": ""})

    assert (fresh(parcel).status, fresh(parcel).return_request) == (ParcelStatus.MATCHED, rma)
    assert fresh(rma).state == ReturnState.RECEIVED


def test_a_parcel_matched_without_a_return_is_shown_again_with_the_reason(client, staff):
    parcel = unexpected_parcel(staff)
    client.force_login(staff.customer_service)

    response = client.post(resolve_url(parcel), {"resolution": "matched", "reference": "", "note": ""})

    assert response.status_code == 200
    assert "Give the RAN, the order number or the tracking number" in response.content.decode()
    assert fresh(parcel).status == ParcelStatus.OPEN


def test_a_second_resolution_from_the_page_is_refused_with_the_reason(client, staff):
    parcel = unexpected_parcel(staff)
    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.manager, resolution="refused",
                                           note="Back to sender")
    client.force_login(staff.customer_service)

    response = client.post(resolve_url(parcel), {"resolution": "refused", "note": "Again"})

    assert "already resolved" in response.content.decode()
    assert fresh(parcel).resolution_note == "Back to sender"


@pytest.mark.parametrize("group", ["dock", "inspector", "finance"])
def test_other_groups_are_offered_no_resolution_and_a_forged_one_is_refused(client, staff, group):
    parcel = unexpected_parcel(staff)
    client.force_login(getattr(staff, group))

    page = client.get(page_of(parcel))
    forged = client.post(resolve_url(parcel), {"resolution": "refused", "note": "Forged"})

    assert page.status_code == 403 or "resolve_form" not in page.context
    assert forged.status_code == 403
    assert fresh(parcel).status == ParcelStatus.OPEN


def test_a_return_created_for_a_parcel_with_the_new_return_form_takes_it_in(client, staff):
    parcel = unexpected_parcel(staff)
    order = order_for(client_with_policy(auto_authorize=True), quantity=1)
    line = order.lines.get()
    client.force_login(staff.customer_service)
    new_return = reverse("admin:rma_returnrequest_add")
    query = f"?client={order.client.pk}&order_number={order.number}&parcel={parcel.pk}"

    assert CARRIER_CODE in client.get(new_return + query).content.decode()
    client.post(new_return + query, {
        "channel": "phone", "refund_method": "original_payment", f"quantity_{line.pk}": 1,
        f"reason_{line.pk}": "changed_mind",
    })

    rma = order.returns.get()
    assert rma.state == ReturnState.RECEIVED
    assert (fresh(parcel).status, fresh(parcel).return_request) == (ParcelStatus.CONVERTED, rma)
