"""record_inspection: what the inspector found for each unit, and when the return counts as inspected."""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import DomainError, InvalidInput, PermissionRefused, TransitionRefused
from inspection.models import Inspection, InspectionPhoto
from inspection.services import record_inspection
from rma.models import ReturnRequest, ReturnState
from tests.factories import return_in_state

FOUND_AS_REQUESTED = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


def image_upload(name: str, image_format: str, *, size: tuple[int, int] = (32, 24)) -> SimpleUploadedFile:
    """A real image, encoded the way a camera or phone would send it."""
    # Noise does not compress, so a bigger size makes a bigger file.
    pixels = random.Random(name).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


@pytest.fixture
def received(staff) -> ReturnRequest:
    """A two-unit return scanned in at the dock, waiting for the inspector."""
    return return_in_state(ReturnState.RECEIVED, staff=staff, units=2)


def unit(rma: ReturnRequest, number: int):
    return rma.items.get(unit_number=number)


def state_of(rma: ReturnRequest) -> str:
    return ReturnRequest.objects.get(pk=rma.pk).state


def nothing_recorded(rma: ReturnRequest) -> bool:
    return (
        not Inspection.objects.filter(item__return_request=rma).exists()
        and not InspectionPhoto.objects.exists()
        and not rma.events.filter(action="inspect_unit").exists()
        and state_of(rma) == ReturnState.RECEIVED
    )


# -- what is recorded ----------------------------------------------------------------------------


def test_records_grade_accessories_packaging_match_defect_and_notes(staff, received):
    inspection = record_inspection(
        item=unit(received, 1), actor=staff.inspector, grade="C", accessories_complete=False,
        original_packaging=True, matches_request=True, defect_category="cosmetic", notes="  Scuffed toe cap  ",
    )

    inspection = Inspection.objects.get(pk=inspection.pk)
    assert (inspection.grade, inspection.accessories_complete, inspection.original_packaging) == ("C", False, True)
    assert (inspection.matches_request, inspection.missing) == (True, False)
    assert (inspection.defect_category, inspection.notes) == ("cosmetic", "Scuffed toe cap")
    assert inspection.inspector == staff.inspector
    assert inspection.inspected_at is not None


def test_a_mismatching_unit_is_recorded_as_not_matching(staff, received):
    inspection = record_inspection(
        item=unit(received, 1), actor=staff.inspector, **{**FOUND_AS_REQUESTED, "matches_request": False},
        defect_category="counterfeit",
    )

    assert inspection.matches_request is False
    assert inspection.owes_refund is False


def test_a_grade_in_lower_case_is_recorded_in_upper_case(staff, received):
    found = {**FOUND_AS_REQUESTED, "grade": "b"}

    inspection = record_inspection(item=unit(received, 1), actor=staff.inspector, **found)

    assert inspection.grade == "B"


def test_writes_one_inspect_unit_event_per_unit(staff, received):
    record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED)
    record_inspection(item=unit(received, 2), actor=staff.inspector, **{**FOUND_AS_REQUESTED, "grade": "D"})

    events = received.events.filter(action="inspect_unit").order_by("id")
    assert [(e.details["unit"], e.details["grade"], e.actor) for e in events] == [
        (1, "A", staff.inspector), (2, "D", staff.inspector),
    ]


# -- when the return counts as inspected ---------------------------------------------------------


def test_the_return_stays_received_until_its_last_unit_is_inspected(staff, received):
    record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED)

    assert state_of(received) == ReturnState.RECEIVED


def test_the_last_unit_inspected_moves_the_return_to_inspected(staff, received):
    record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED)
    record_inspection(item=unit(received, 2), actor=staff.inspector, **FOUND_AS_REQUESTED)

    rma = ReturnRequest.objects.get(pk=received.pk)
    assert rma.state == ReturnState.INSPECTED
    assert rma.inspected_at is not None
    assert rma.events.filter(action="inspect", from_state="received", to_state="inspected").count() == 1


def test_a_missing_unit_counts_as_inspected(staff, received):
    record_inspection(item=unit(received, 1), actor=staff.inspector, **{**FOUND_AS_REQUESTED, "missing": True})
    record_inspection(item=unit(received, 2), actor=staff.inspector, **FOUND_AS_REQUESTED)

    assert state_of(received) == ReturnState.INSPECTED


def test_a_missing_unit_needs_no_grade_and_never_matches_the_request(staff, received):
    inspection = record_inspection(
        item=unit(received, 1), actor=staff.inspector, grade="", accessories_complete=True,
        original_packaging=True, matches_request=True, missing=True,
    )

    assert (inspection.missing, inspection.grade, inspection.matches_request) == (True, "", False)


# -- refused -------------------------------------------------------------------------------------


def test_a_second_inspection_of_the_same_unit_is_refused(staff, received):
    record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED)

    with pytest.raises(DomainError) as refused:
        record_inspection(item=unit(received, 1), actor=staff.inspector, **{**FOUND_AS_REQUESTED, "grade": "F"})

    assert refused.value.code == "already_inspected"
    assert Inspection.objects.get(item=unit(received, 1)).grade == "A"


@pytest.mark.parametrize(
    "state",
    [ReturnState.REQUESTED, ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT, ReturnState.CANCELLED,
     ReturnState.INSPECTED],
)
def test_inspecting_a_return_that_is_not_received_is_refused(staff, state):
    rma = return_in_state(state, staff=staff, units=1)
    inspections_before = Inspection.objects.count()

    with pytest.raises(TransitionRefused):
        record_inspection(item=unit(rma, 1), actor=staff.inspector, **FOUND_AS_REQUESTED)

    assert Inspection.objects.count() == inspections_before
    assert state_of(rma) == state


@pytest.mark.parametrize("grade", ["E", "", "AB", "1", None])
def test_a_grade_outside_a_to_f_is_refused_and_nothing_is_saved(staff, received, grade):
    with pytest.raises(InvalidInput):
        record_inspection(item=unit(received, 1), actor=staff.inspector, **{**FOUND_AS_REQUESTED, "grade": grade})

    assert nothing_recorded(received)


def test_an_unknown_defect_category_is_refused_and_nothing_is_saved(staff, received):
    with pytest.raises(InvalidInput):
        record_inspection(
            item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, defect_category="scratched",
        )

    assert nothing_recorded(received)


# -- photos --------------------------------------------------------------------------------------


def test_png_and_jpeg_photos_are_stored_with_the_inspection(staff, received):
    photos = [image_upload("front.png", "PNG"), image_upload("label.jpg", "JPEG")]

    inspection = record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=photos)

    stored = list(inspection.photos.all())
    assert len(stored) == 2
    for photo in stored:
        assert photo.image.name.startswith(f"inspections/{received.pk}/")
        assert photo.image.storage.exists(photo.image.name)
    with stored[0].image.open("rb") as saved, Image.open(saved) as image:
        assert image.format == "PNG"


def test_a_webp_photo_is_accepted(staff, received):
    photo = image_upload("side.webp", "WEBP")

    inspection = record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=[photo])

    assert inspection.photos.count() == 1


def test_the_number_of_photos_is_on_the_inspect_unit_event(staff, received):
    photos = [image_upload("front.png", "PNG"), image_upload("back.png", "PNG")]

    record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=photos)

    assert received.events.get(action="inspect_unit").details["photos"] == 2


def test_a_text_file_renamed_to_jpg_is_refused_and_nothing_is_saved(staff, received):
    fake = SimpleUploadedFile("photo.jpg", b"definitely not a picture\n", content_type="image/jpeg")

    with pytest.raises(InvalidInput, match="not a readable image"):
        record_inspection(
            item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED,
            photos=[image_upload("front.png", "PNG"), fake],
        )

    assert nothing_recorded(received)


def test_a_gif_is_refused_and_nothing_is_saved(staff, received):
    with pytest.raises(InvalidInput, match="not a readable image: send a JPEG, PNG or WebP picture"):
        record_inspection(
            item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED,
            photos=[image_upload("animation.gif", "GIF")],
        )

    assert nothing_recorded(received)


def test_a_photo_above_the_size_limit_is_refused_and_nothing_is_saved(staff, received, settings):
    settings.MAX_PHOTO_BYTES = 2_000
    too_big = image_upload("front.png", "PNG", size=(64, 64))
    assert too_big.size > settings.MAX_PHOTO_BYTES

    with pytest.raises(InvalidInput, match="larger than"):
        record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=[too_big])

    assert nothing_recorded(received)


def test_an_image_with_more_pixels_than_any_camera_makes_is_refused_and_nothing_is_saved(staff, received):
    buffer = io.BytesIO()
    Image.new("1", (8000, 5001)).save(buffer, format="PNG")  # 40 million pixels in a few kilobytes
    bomb = SimpleUploadedFile("blank.png", buffer.getvalue(), content_type="image/png")

    with pytest.raises(InvalidInput, match="too many pixels"):
        record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=[bomb])

    assert nothing_recorded(received)


def test_a_photo_within_the_size_limit_is_accepted(staff, received, settings):
    settings.MAX_PHOTO_BYTES = 2_000
    small = image_upload("front.png", "PNG", size=(8, 8))

    inspection = record_inspection(item=unit(received, 1), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=[small])

    assert inspection.photos.count() == 1


# -- who may inspect -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["inspector", "manager"])
def test_inspectors_and_managers_may_record_inspections(staff, received, group):
    inspection = record_inspection(item=unit(received, 1), actor=getattr(staff, group), **FOUND_AS_REQUESTED)

    assert inspection.inspector == getattr(staff, group)


@pytest.mark.parametrize("group", ["customer_service", "dock", "finance", None])
def test_others_may_not_record_inspections_and_nothing_changes(staff, received, group):
    actor = getattr(staff, group) if group else None

    with pytest.raises(PermissionRefused):
        record_inspection(item=unit(received, 1), actor=actor, **FOUND_AS_REQUESTED)

    assert nothing_recorded(received)
