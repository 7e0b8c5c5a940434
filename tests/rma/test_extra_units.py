"""Extra units: a unit found in a parcel that its return does not list, recorded and then resolved once."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from inspection import services as inspection_services
from rma import services as rma_services
from rma.models import ExtraUnit, ExtraUnitStatus, ReturnPolicy, ReturnRequest, ReturnState
from tests.factories import client_with_policy, inspect_all, order_for, return_in_state


def png(name: str = "unit.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def received_with_a_unit_to_spare(staff, **policy_fields) -> ReturnRequest:
    """A received return of 1 unit of an order line that delivered 2."""
    client = client_with_policy(auto_authorize=False, **policy_fields)
    order = order_for(client, quantity=2)
    return return_in_state(ReturnState.RECEIVED, staff=staff, client=client, order=order, units=1)


def found_in(rma: ReturnRequest, staff, *, sku: str | None = None, **fields) -> ExtraUnit:
    sku = rma.items.get().order_line.sku if sku is None else sku
    fields.setdefault("description", "Second shoe box, same model")
    return rma_services.record_extra_unit(rma=rma, actor=staff.dock, sku=sku, **fields)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# -- recording -------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["dock", "inspector", "manager"])
def test_whoever_opens_parcels_records_an_extra_unit(staff, group):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    unit = rma_services.record_extra_unit(
        rma=rma, actor=getattr(staff, group), description="  Phone charger  ", sku=" KE-CHG ",
        serial_number="SN1", note="Loose in the box", photo=png(),
    )

    assert (unit.return_request, unit.description, unit.sku, unit.serial_number, unit.note) == (
        rma, "Phone charger", "KE-CHG", "SN1", "Loose in the box"
    )
    assert (unit.status, unit.found_by) == (ExtraUnitStatus.OPEN, getattr(staff, group))
    assert unit.photo.name.startswith("extra-units/")


def test_recording_an_extra_unit_is_on_the_return_timeline(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    unit = found_in(rma, staff, sku="X-1", serial_number="SN9")

    event = rma.events.get(action="extra_unit_found")
    assert (event.actor, event.from_state, event.to_state) == (staff.dock, "received", "received")
    assert event.details == {"extra_unit": unit.pk, "description": "Second shoe box, same model", "sku": "X-1",
                             "serial_number": "SN9"}
    assert fresh(rma).state == ReturnState.RECEIVED


@pytest.mark.parametrize("group", ["customer_service", "finance"])
def test_groups_that_do_not_open_parcels_cannot_record_extra_units(staff, group):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    with pytest.raises(PermissionRefused):
        rma_services.record_extra_unit(rma=rma, actor=getattr(staff, group), description="Charger")

    assert not ExtraUnit.objects.exists()


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.INSPECTED])
def test_extra_units_are_recorded_only_on_a_received_return(staff, state):
    rma = return_in_state(state, staff=staff, units=1)

    with pytest.raises(TransitionRefused, match="recorded while it is received"):
        rma_services.record_extra_unit(rma=rma, actor=staff.dock, description="Charger")

    assert not ExtraUnit.objects.exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"description": "   "}, "Describe the unit"),
    ({"description": "Charger", "sku": "S" * 65}, "sku"),
    ({"description": "Charger", "photo": SimpleUploadedFile("u.png", b"text", content_type="image/png")},
     "not a readable image"),
])
def test_bad_input_is_refused_and_nothing_recorded(staff, fields, message):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    events = rma.events.count()

    with pytest.raises(InvalidInput, match=message):
        rma_services.record_extra_unit(rma=rma, actor=staff.dock, **fields)

    assert not ExtraUnit.objects.exists() and rma.events.count() == events


# -- added to the return ---------------------------------------------------------------------------


def test_an_added_unit_becomes_the_next_unit_of_the_return(staff):
    rma = received_with_a_unit_to_spare(staff)
    listed = rma.items.get()
    extra = found_in(rma, staff, serial_number="SN-2")

    resolved = rma_services.resolve_extra_unit(
        extra_unit=extra, actor=staff.customer_service, resolution="added", reason="size_fit",
        note="Customer confirmed by phone",
    )

    item = resolved.added_as
    assert (item.return_request, item.unit_number, item.order_line, item.reason, item.serial_number) == (
        rma, 2, listed.order_line, "size_fit", "SN-2"
    )
    assert item.comment == "Found in the parcel, not on the request. Customer confirmed by phone"
    assert (resolved.status, resolved.resolved_by) == (ExtraUnitStatus.ADDED, staff.customer_service)


def test_adding_a_unit_is_on_the_return_timeline(staff):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff)

    rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")

    event = rma.events.get(action="extra_unit_added")
    assert (event.actor, event.details["extra_unit"], event.details["unit"]) == (staff.customer_service, extra.pk, 2)


def test_an_added_unit_is_inspected_with_the_rest(staff):
    rma = received_with_a_unit_to_spare(staff)
    rma_services.resolve_extra_unit(extra_unit=found_in(rma, staff), actor=staff.customer_service,
                                    resolution="added")

    rma = inspect_all(rma, staff)

    assert rma.state == ReturnState.INSPECTED
    assert rma.items.filter(inspection__isnull=False).count() == 2


def test_the_return_waits_for_the_added_unit_before_it_is_inspected(staff):
    rma = received_with_a_unit_to_spare(staff)
    listed = rma.items.get()
    rma_services.resolve_extra_unit(extra_unit=found_in(rma, staff), actor=staff.customer_service,
                                    resolution="added")

    inspection_services.record_inspection(item=listed, actor=staff.inspector, grade="A", accessories_complete=True,
                                          original_packaging=True, matches_request=True)

    assert fresh(rma).state == ReturnState.RECEIVED


@pytest.mark.parametrize(("sku", "message"), [
    ("", "has no SKU"),
    ("NOT-ON-THE-ORDER", "has no line with SKU"),
])
def test_a_unit_that_matches_no_order_line_is_not_added(staff, sku, message):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff, sku=sku)

    with pytest.raises(InvalidInput, match=message):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")

    assert fresh(extra).status == ExtraUnitStatus.OPEN and rma.items.count() == 1


def test_a_unit_beyond_what_the_order_delivered_is_not_added(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)  # the order delivered exactly 2
    extra = found_in(rma, staff, sku=rma.items.first().order_line.sku)

    with pytest.raises(InvalidInput, match="already returned"):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")

    assert rma.items.count() == 2


def test_a_final_sale_unit_is_not_added(staff):
    rma = received_with_a_unit_to_spare(staff)
    ReturnPolicy.objects.filter(pk=rma.policy_id).update(final_sale_categories=["shoes"])
    extra = found_in(rma, staff)

    with pytest.raises(InvalidInput, match="final sale"):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")


def test_a_reason_the_policy_does_not_accept_is_refused(staff):
    rma = received_with_a_unit_to_spare(staff, accepted_reasons=["changed_mind"])
    extra = found_in(rma, staff)

    with pytest.raises(InvalidInput, match="does not accept the reason 'other'"):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")


def test_a_unit_is_not_added_once_the_return_is_inspected(staff):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff)
    inspect_all(rma, staff)

    with pytest.raises(TransitionRefused, match="Send it back or keep it"):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")

    assert fresh(extra).status == ExtraUnitStatus.OPEN


# -- sent back, kept -------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [ExtraUnitStatus.SENT_BACK, ExtraUnitStatus.KEPT])
def test_sent_back_or_kept_records_why_and_adds_no_unit(staff, resolution):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff)

    resolved = rma_services.resolve_extra_unit(
        extra_unit=extra, actor=staff.manager, resolution=resolution, note="Customer asked"
    )

    assert (resolved.status, resolved.resolved_by, resolved.resolution_note, resolved.added_as) == (
        resolution, staff.manager, "Customer asked", None
    )
    assert resolved.resolved_at is not None and rma.items.count() == 1
    assert rma.events.get(action=f"extra_unit_{resolution}").note == "Customer asked"


@pytest.mark.parametrize("resolution", [ExtraUnitStatus.SENT_BACK, ExtraUnitStatus.KEPT])
def test_sent_back_or_kept_needs_a_note(staff, resolution):
    extra = found_in(received_with_a_unit_to_spare(staff), staff)

    with pytest.raises(InvalidInput, match="Say why"):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution=resolution)


def test_an_unknown_resolution_is_refused(staff):
    extra = found_in(received_with_a_unit_to_spare(staff), staff)

    with pytest.raises(InvalidInput):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="open", note="x")


# -- once, and by whom -----------------------------------------------------------------------------


def test_an_extra_unit_is_resolved_only_once(staff):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff)
    rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.customer_service, resolution="added")

    with pytest.raises(DomainError, match="already resolved") as refused:
        rma_services.resolve_extra_unit(extra_unit=extra, actor=staff.manager, resolution="kept", note="Keep it")

    assert refused.value.code == "already_resolved"
    assert fresh(extra).status == ExtraUnitStatus.ADDED and rma.items.count() == 2


@pytest.mark.parametrize("group", ["dock", "inspector", "finance"])
def test_only_customer_service_and_managers_resolve_extra_units(staff, group):
    extra = found_in(received_with_a_unit_to_spare(staff), staff)

    with pytest.raises(PermissionRefused):
        rma_services.resolve_extra_unit(extra_unit=extra, actor=getattr(staff, group), resolution="kept", note="x")

    assert fresh(extra).status == ExtraUnitStatus.OPEN


# -- the queue and the return's page ---------------------------------------------------------------

QUEUE = reverse("admin:rma_extraunit_changelist")


def resolve_url(unit: ExtraUnit) -> str:
    return reverse("admin:rma_extraunit_resolve", args=[unit.pk])


def return_page(rma: ReturnRequest) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


def record_url(rma: ReturnRequest) -> str:
    return reverse("admin:rma_returnrequest_extra_unit", args=[rma.pk])


def test_the_queue_shows_open_units_first_and_the_oldest_first(client, staff):
    rma = received_with_a_unit_to_spare(staff)
    first, second, third = (found_in(rma, staff, description=text) for text in ("Scarf", "Belt", "Cap"))
    rma_services.resolve_extra_unit(extra_unit=first, actor=staff.customer_service, resolution="kept", note="Worthless")
    client.force_login(staff.customer_service)

    rows = client.get(QUEUE).context["cl"].result_list

    assert list(rows) == [second, third, first]


def test_customer_service_adds_a_unit_from_its_page(client, staff):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff)
    client.force_login(staff.customer_service)

    client.post(resolve_url(extra), {"resolution": "added", "reason": "size_fit", "note": "Customer confirmed"})

    assert fresh(extra).status == ExtraUnitStatus.ADDED
    assert rma.items.get(unit_number=2).reason == "size_fit"


def test_a_unit_that_cannot_be_added_is_shown_again_with_the_reason(client, staff):
    rma = received_with_a_unit_to_spare(staff)
    extra = found_in(rma, staff, sku="")
    client.force_login(staff.customer_service)

    response = client.post(resolve_url(extra), {"resolution": "added", "reason": "other", "note": ""})

    assert response.status_code == 200 and "has no SKU" in response.content.decode()
    assert fresh(extra).status == ExtraUnitStatus.OPEN


@pytest.mark.parametrize("group", ["dock", "inspector", "finance"])
def test_a_forged_resolution_by_another_group_is_refused(client, staff, group):
    extra = found_in(received_with_a_unit_to_spare(staff), staff)
    client.force_login(getattr(staff, group))

    response = client.post(resolve_url(extra), {"resolution": "kept", "reason": "other", "note": "Forged"})

    assert response.status_code == 403 and fresh(extra).status == ExtraUnitStatus.OPEN


@pytest.mark.parametrize(("group", "offered"), [
    ("dock", True), ("inspector", True), ("manager", True), ("customer_service", False), ("finance", False),
])
def test_the_return_page_offers_recording_to_whoever_opens_parcels(client, staff, group, offered):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    client.force_login(getattr(staff, group))

    page = client.get(return_page(rma))

    assert (page.context["extra_unit_form"] is not None) is offered


def test_the_return_page_records_an_extra_unit_with_its_photo_and_lists_it(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    client.force_login(staff.inspector)

    client.post(record_url(rma), {"extra-description": "Charging cable", "extra-sku": "KE-CBL",
                                  "extra-note": "Under the insert", "extra-photo": png()})

    unit = rma.extra_units.get()
    assert (unit.description, unit.sku, unit.found_by) == ("Charging cable", "KE-CBL", staff.inspector)
    page = client.get(return_page(rma)).content.decode()
    assert "Charging cable" in page and unit.photo.url in page


def test_the_return_page_refuses_a_file_that_is_not_an_image(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    client.force_login(staff.dock)

    response = client.post(record_url(rma), {
        "extra-description": "Charging cable",
        "extra-photo": SimpleUploadedFile("cable.jpg", b"no picture here", content_type="image/jpeg"),
    }, follow=True)

    assert "not a readable image" in response.content.decode()
    assert not rma.extra_units.exists()


def test_customer_service_cannot_record_an_extra_unit_from_the_return_page(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    client.force_login(staff.customer_service)

    response = client.post(record_url(rma), {"extra-description": "Charging cable"})

    assert response.status_code == 403 and not rma.extra_units.exists()
