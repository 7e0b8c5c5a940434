"""The inspection station: scan a RAN, inspect every unit in turn, confirm the dispositions."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from inspection.models import Inspection, InspectionPhoto
from rma.models import ReturnRequest, ReturnState
from tests.factories import inspect_all, return_in_state

STATION = reverse("admin:inspection_station")


def unit_url(rma, number: int) -> str:
    return reverse("admin:inspection_station_unit", args=[rma.pk, number])


def dispositions_url(rma) -> str:
    return reverse("admin:inspection_station_dispositions", args=[rma.pk])


def png(name: str = "unit.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


GOOD_UNIT = {"grade": "A", "matches_request": "on", "accessories_complete": "on", "original_packaging": "on"}


@pytest.fixture
def inspector(client, staff):
    client.force_login(staff.inspector)
    return client


def test_scanning_a_received_return_opens_its_first_uninspected_unit(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)

    response = inspector.get(STATION, {"code": rma.ran.lower()}, follow=True)

    assert response.redirect_chain[-1][0] == unit_url(rma, 1)


def test_an_unknown_ran_or_a_return_not_received_is_explained(inspector, staff):
    authorized = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    unknown = inspector.get(STATION, {"code": "RA-0000-0000-0"}).content.decode()
    early = inspector.get(STATION, {"code": authorized.ran}).content.decode()

    assert "No return has this RAN" in unknown
    assert "authorized: there is nothing to inspect" in early


def test_save_and_next_walks_every_unit_then_shows_the_dispositions(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)

    first = inspector.post(unit_url(rma, 1), GOOD_UNIT, follow=True)
    second = inspector.post(unit_url(rma, 2), {**GOOD_UNIT, "grade": "C", "defect_category": "cosmetic"}, follow=True)

    assert first.redirect_chain[-1][0] == unit_url(rma, 2)
    assert second.redirect_chain[-1][0] == dispositions_url(rma)
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.INSPECTED
    rows = [row for row in second.context["rows"] if row.get("recommendation")]
    assert [row["recommendation"].action for row in rows] == ["restock", "refurbish"]
    page = second.content.decode()
    assert "<strong>Restock</strong>" in page and "<strong>Refurbish</strong>" in page  # names, not codes
    assert "50.00 EUR" in page and "30.00 EUR" in page


def test_the_time_taken_is_recorded_from_the_signed_start(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    started = inspector.get(unit_url(rma, 1)).context["form"]["started"].value()

    inspector.post(unit_url(rma, 1), {**GOOD_UNIT, "started": started})

    assert Inspection.objects.get(item__return_request=rma).seconds_taken is not None


def test_a_missing_unit_needs_no_grade(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    inspector.post(unit_url(rma, 1), {"missing": "on", "missing_confirmed": "on"})

    inspection = Inspection.objects.get(item__return_request=rma)
    assert inspection.missing and not inspection.matches_request


def test_a_missing_unit_is_saved_only_once_the_inspector_confirms_it(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)

    asked = inspector.post(unit_url(rma, 1), {"missing": "on", "notes": "Box taped twice"})
    confirmed = inspector.post(unit_url(rma, 1), {"missing": "on", "notes": "Box taped twice",
                                                  "missing_confirmed": "on"})

    assert asked.status_code == 200 and asked.context["asks_to_confirm_missing"]
    page = asked.content.decode()
    assert "Unit 1 was not in the parcel?" in page and "no refund is owed for it" in page
    assert 'id="confirm-missing"' in page and "Box taped twice" in page  # what was typed is kept
    assert confirmed.status_code == 302
    assert Inspection.objects.get(item__return_request=rma).missing


def test_the_confirmation_says_when_a_missing_unit_closes_the_return(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)
    inspector.post(unit_url(rma, 1), {"missing": "on", "missing_confirmed": "on"})

    asked = inspector.post(unit_url(rma, 2), {"missing": "on"})
    closed = inspector.post(unit_url(rma, 2), {"missing": "on", "missing_confirmed": "on"}, follow=True)

    assert "the return closes at once, with no refund" in asked.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.CLOSED
    assert closed.redirect_chain[-1][0] == dispositions_url(rma)
    assert 'id="next-return" autofocus' in closed.content.decode()


def test_the_grade_hint_and_its_error_name_the_grades_there_are(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    hint = inspector.get(unit_url(rma, 1)).content.decode()
    refused = inspector.post(unit_url(rma, 1), {"matches_request": "on"})

    assert "press A, B, C, D or F" in hint and "A–F" not in hint
    assert refused.context["form"].errors["grade"] == [
        "Choose a grade: press A, B, C, D or F, or M if the unit was not in the parcel."
    ]


def test_a_unit_without_grade_is_refused_and_nothing_saved(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    response = inspector.post(unit_url(rma, 1), {"matches_request": "on"})

    assert response.status_code == 200 and "grade" in response.context["form"].errors
    assert not Inspection.objects.filter(item__return_request=rma).exists()


def test_several_photos_are_kept_with_the_inspection(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)

    inspector.post(unit_url(rma, 1), {**GOOD_UNIT, "photos": [png("front.png"), png("back.png")]})

    assert InspectionPhoto.objects.filter(inspection__item__return_request=rma).count() == 2


def test_a_file_that_is_not_an_image_is_refused_and_nothing_saved(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    fake = SimpleUploadedFile("unit.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    response = inspector.post(unit_url(rma, 1), {**GOOD_UNIT, "photos": [fake]})

    assert response.status_code == 200 and response.context["form"].errors
    assert not Inspection.objects.filter(item__return_request=rma).exists()


def test_confirming_the_dispositions_moves_the_return_on_and_proposes_the_refund(inspector, staff):
    rma = inspect_all(return_in_state(ReturnState.RECEIVED, staff=staff, units=2), staff)
    rows = inspector.get(dispositions_url(rma)).context["rows"]
    data = {f"{row['form'].prefix}-action": row["recommendation"].action for row in rows}

    inspector.post(dispositions_url(rma), data)

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.state == ReturnState.DISPOSITIONED
    assert rma.refunds.get().status == "pending_approval"


def test_overriding_a_recommendation_without_a_reason_is_refused(inspector, staff):
    rma = inspect_all(return_in_state(ReturnState.RECEIVED, staff=staff, units=1), staff)
    row = inspector.get(dispositions_url(rma)).context["rows"][0]

    response = inspector.post(dispositions_url(rma), {f"{row['form'].prefix}-action": "liquidate"}, follow=True)

    assert "Say why you chose liquidate" in response.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.INSPECTED


@pytest.mark.parametrize("group", ["finance", "customer_service", "dock"])
def test_other_roles_cannot_use_the_station(client, staff, group):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    client.force_login(getattr(staff, group))

    assert client.get(STATION).status_code == 403
    assert client.post(unit_url(rma, 1), GOOD_UNIT).status_code == 403
    assert not Inspection.objects.filter(item__return_request=rma).exists()


def test_the_inspector_sees_the_customers_photo_of_a_damage_claim(inspector, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    unit = rma.items.get()
    unit.customer_photo.save("claim.png", png(), save=True)

    page = inspector.get(unit_url(rma, 1)).content.decode()

    assert f'href="{unit.customer_photo.url}"' in page and "customer's photo" in page
